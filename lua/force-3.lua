--[[
  force: operator override, fleet-wide.
    'open'   -> forced_open until now + forMs (forMs 0: until cleared); already
                forced open: no transition, only the new expiry is saved
    'closed' -> forced_closed (no-op when already forced closed)
    'reset'  -> closed, window cleared, backoff reset (no transition when already closed)

  Input:
    KEYS[1] state hash, KEYS[2] window hash, KEYS[3] events stream
    ARGV[1] config (JSON), ARGV[2] breaker name, ARGV[3] replica id,
    ARGV[4] mode, ARGV[5] forMs, ARGV[6] transitions channel, ARGV[7] incarnation id

  Output: JSON { c, s = snapshot, t = transition or absent }
    c  0: done
      -5: illegal transition (a bug)
      -6: unknown mode
]]
--- @include "includes/common"
--- @include "includes/window"

local cfg = cjson.decode(ARGV[1])
local name, replica, mode = ARGV[2], ARGV[3], ARGV[4]
local forMs = tonumber(ARGV[5])
local now = nowMs()
local r = loadRecord(KEYS[1])
ensureRecord(KEYS[1], r, ARGV[7])

local code, t = 0, nil
if mode == 'open' then
  rcall('DEL', KEYS[2])
  local untilMs = 0
  if forMs > 0 then untilMs = now + forMs end
  if r.st == 'forced_open' then
    r.ou = untilMs
    rcall('HSET', KEYS[1], 'ou', r.ou)
  else
    t = transition(r, 'forced_open', 'forced_open', now, { ou = untilMs, pt = '', pl = 0 })
    if not t then code = -5 end
  end
elseif mode == 'closed' then
  if r.st ~= 'forced_closed' then
    rcall('DEL', KEYS[2])
    t = transition(r, 'forced_closed', 'forced_closed', now,
      { ou = 0, bs = 0, pt = '', pl = 0, tr = '', tc = 0, tf = 0, ts = 0 })
    if not t then code = -5 end
  end
elseif mode == 'reset' then
  rcall('DEL', KEYS[2])
  if r.st ~= 'closed' then
    t = transition(r, 'closed', 'reset', now,
      { ou = 0, bs = 0, pt = '', pl = 0, tr = '', tc = 0, tf = 0, ts = 0 })
    if not t then code = -5 end
  end
else
  code = -6
end

return finish(KEYS, r, cfg, now, code, t, ARGV[6], name, replica)
