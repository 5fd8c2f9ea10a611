--[[
  end_probe: only for the current token (fencing):
    success -> closed, window cleared, backoff reset   (probe_succeeded)
    failure -> open for the next backoff step          (probe_failed)

  Input:
    KEYS[1] state hash, KEYS[2] window hash, KEYS[3] events stream
    ARGV[1] config (JSON), ARGV[2] breaker name, ARGV[3] replica id,
    ARGV[4] token, ARGV[5] '1' success / '0' failure, ARGV[6] random in [0, 1),
    ARGV[7] last error message ('' for none), ARGV[8] transitions channel,
    ARGV[9] incarnation id

  Output: JSON { c, s = snapshot, t = transition or absent }
    c  0: accepted
      -4: refused, stale token (not half-open, or another prober's lease)
      -5: illegal transition (a bug)
]]
--- @include "includes/common"
--- @include "includes/window"

local cfg = cjson.decode(ARGV[1])
local name, replica, token = ARGV[2], ARGV[3], ARGV[4]
local success = ARGV[5] == '1'
local now = nowMs()
local r = loadRecord(KEYS[1])
ensureRecord(KEYS[1], r, ARGV[9])

local code, t = 0, nil
if r.st ~= 'half_open' or r.pt ~= token or token == '' then
  code = -4
elseif success then
  rcall('DEL', KEYS[2])
  t = transition(r, 'closed', 'probe_succeeded', now,
    { ou = 0, bs = 0, pt = '', pl = 0, tr = '', tc = 0, tf = 0, ts = 0 })
else
  -- Only an accepted (not fenced) failure is the dependency's last error.
  if ARGV[7] ~= '' then
    r.le = ARGV[7]
    r.la = now
  end
  local step = r.bs + 1
  rcall('DEL', KEYS[2])
  t = transition(r, 'open', 'probe_failed', now,
    { ou = now + openDuration(cfg, step, tonumber(ARGV[6])), bs = step, pt = '', pl = 0 })
end
if code == 0 and not t then code = -5 end

return finish(KEYS, r, cfg, now, code, t, ARGV[8], name, replica)
