--[[
  record: adds one replica's batch of outcomes to the current bucket, drops old
  buckets, and, if the batch holds a failed or slow call, evaluates the
  thresholds: closed -> open. Only a closed circuit counts.

  Input:
    KEYS[1] state hash        <ns>:{<name>}:state
    KEYS[2] window hash       <ns>:{<name>}:window
    KEYS[3] events stream     <ns>:{<name>}:events
    ARGV[1] config (JSON)     thresholds, window, backoff, probe lease
    ARGV[2] breaker name      (for the published message only)
    ARGV[3] replica id
    ARGV[4..7] successes, failures, slow successes, slow failures
    ARGV[8] last error message ('' for none)
    ARGV[9] random in [0, 1) for the backoff jitter
    ARGV[10] transitions channel
    ARGV[11] incarnation id, used if the record is created now

  Output: JSON { c = result code, s = snapshot, t = transition or absent }
    c  0: recorded (or ignored: not closed / empty batch)
      -5: illegal transition (a bug)
]]
--- @include "includes/common"
--- @include "includes/window"

local cfg = cjson.decode(ARGV[1])
local name, replica = ARGV[2], ARGV[3]
local s, f, ss, sf = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local now = nowMs()
local r = loadRecord(KEYS[1])
ensureRecord(KEYS[1], r, ARGV[11])
-- Only replicas that own the breaker call record: their config is the one to read the window with.
if r.cfg ~= ARGV[1] then rcall('HSET', KEYS[1], 'cfg', ARGV[1]) end

if ARGV[8] ~= '' then
  r.le = ARGV[8]
  r.la = now
  rcall('HSET', KEYS[1], 'le', r.le, 'la', r.la)
end

local calls = s + f + ss + sf
local t = nil
if r.st == 'closed' and calls > 0 then
  windowAdd(KEYS[2], cfg, replica, calls, f + sf, ss + sf, now)
  if f + ss + sf > 0 then
    local reason = tripReason(cfg, windowTotals(KEYS[2], cfg, now))
    if reason then
      t = transition(r, 'open', reason, now,
        { ou = now + openDuration(cfg, 0, tonumber(ARGV[9])), bs = 0, pt = '', pl = 0 })
      if not t then return cjson.encode({ c = -5 }) end
      rcall('DEL', KEYS[2])
    end
  end
end

return finish(KEYS, r, cfg, now, 0, t, ARGV[10], name, replica)
