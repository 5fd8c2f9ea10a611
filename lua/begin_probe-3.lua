--[[
  begin_probe: makes the caller the prober with fencing token ARGV[4]:
    open / forced_open past openUntil -> half_open        (probe_started)
    half_open with an expired lease    -> half_open        (probe_lease_expired)
    half_open already held by ARGV[4]  -> granted, no change
  The lease ends probeLeaseMs (config) after now.

  Input:
    KEYS[1] state hash, KEYS[2] window hash, KEYS[3] events stream
    ARGV[1] config (JSON), ARGV[2] breaker name, ARGV[3] replica id,
    ARGV[4] token, ARGV[5] transitions channel, ARGV[6] incarnation id

  Output: JSON { c, s = snapshot, t = transition or absent }
    c  0: granted
      -1: refused, not open
      -2: refused, not due (openUntil not reached, or forced open until cleared)
      -3: refused, another probe holds the lease
      -5: illegal transition (a bug)
]]
--- @include "includes/common"
--- @include "includes/window"

local cfg = cjson.decode(ARGV[1])
local name, replica, token = ARGV[2], ARGV[3], ARGV[4]
local now = nowMs()
local r = loadRecord(KEYS[1])
ensureRecord(KEYS[1], r, ARGV[6])

local code, t = 0, nil
local lease = { pt = token, pl = now + cfg.pl }
if r.st == 'open' or r.st == 'forced_open' then
  if r.ou > 0 and now >= r.ou then
    t = transition(r, 'half_open', 'probe_started', now, lease)
    if not t then code = -5 end
  else
    code = -2
  end
elseif r.st == 'half_open' then
  if r.pt ~= token then
    if now < r.pl then
      code = -3
    else
      t = transition(r, 'half_open', 'probe_lease_expired', now, lease)
      if not t then code = -5 end
    end
  end
else
  code = -1
end

return finish(KEYS, r, cfg, now, code, t, ARGV[5], name, replica)
