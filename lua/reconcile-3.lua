--[[
  reconcile: carries what one replica decided alone, while Redis was
  unreachable, into the shared record. Merge rules (docs/redis-outages.md):
    1. A forced state already in the shared record wins: operator intent is fleet-wide.
    2. A forced state set on the replica during the outage is carried over
       (forced_open keeps its expiry).
    3. Open beats closed: a replica that tripped (open or probing) while the
       shared record is closed opens it, with the replica's openUntil and
       backoff step. A shared record that is open or half-open is kept.
    4. Otherwise the shared record is kept as it is.
  Every rule is conditional on the shared state, so it is idempotent and safe
  when many replicas reconcile at once: the first one carries the trip, the
  others find it open and keep it. A record that Redis lost (restarted empty)
  is created again from the replica's knowledge, continuing its epoch.

  Input:
    KEYS[1] state hash, KEYS[2] window hash, KEYS[3] events stream
    ARGV[1] config (JSON), ARGV[2] breaker name, ARGV[3] replica id,
    ARGV[4] the replica's state, ARGV[5] its openUntil on the Redis clock (0: none / until cleared),
    ARGV[6] its backoff step, ARGV[7] its reason for the state, ARGV[8] the highest epoch it knows,
    ARGV[9] transitions channel, ARGV[10] incarnation id

  Output: JSON { c, s = snapshot, t = transition or absent }
    c  0: shared record kept
       1: the replica's state was carried into the shared record
      -5: illegal transition (a bug)
]]
--- @include "includes/common"
--- @include "includes/window"

local cfg = cjson.decode(ARGV[1])
local name, replica = ARGV[2], ARGV[3]
local localState, localOpenUntil = ARGV[4], tonumber(ARGV[5])
local localStep, localReason, knownEpoch = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
local now = nowMs()
local r = loadRecord(KEYS[1])
if not r.exists then r.ep = knownEpoch end
ensureRecord(KEYS[1], r, ARGV[10])

local TRIP_REASONS = { failure_rate = true, slow_call_rate = true, probe_failed = true }
local t = nil
if r.st == 'forced_open' or r.st == 'forced_closed' then
  t = nil
elseif localState == 'forced_open' then
  rcall('DEL', KEYS[2])
  t = transition(r, 'forced_open', 'forced_open', now, { ou = localOpenUntil, pt = '', pl = 0 })
elseif localState == 'forced_closed' then
  rcall('DEL', KEYS[2])
  t = transition(r, 'forced_closed', 'forced_closed', now, { ou = 0, bs = 0, pt = '', pl = 0 })
elseif (localState == 'open' or localState == 'half_open') and r.st == 'closed' then
  local reason = localReason
  if not TRIP_REASONS[reason] then reason = 'failure_rate' end
  local untilMs = localOpenUntil
  if localState == 'half_open' or untilMs <= 0 then untilMs = now end
  rcall('DEL', KEYS[2])
  t = transition(r, 'open', reason, now, { ou = untilMs, bs = localStep, pt = '', pl = 0 })
end

local code = 0
if t then code = 1 end
return finish(KEYS, r, cfg, now, code, t, ARGV[9], name, replica)
