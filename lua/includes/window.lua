--[[
  The sliding window (window hash), the same two strategies as the engine.
  time:  fields '<bucketIndex>:<c|f|s>:<replica>' -> calls / failures / slow calls,
         bucketIndex = floor(now / ceil(windowMs / buckets)); the window is the
         `buckets` newest indexes up to now's.
  count: fields 'h' (oldest entry), 'n' (next entry), 'e:<seq>' -> 'calls:failures:slow:replica';
         the oldest entry is dropped once the newer ones alone hold `size` calls.
]]

local function bucketMs(cfg)
  return math.ceil(cfg.wm / cfg.wb)
end

local function addTally(map, replica, calls, failures, slow)
  local t = map[replica]
  if not t then
    t = { calls = 0, failures = 0, slowCalls = 0 }
    map[replica] = t
  end
  t.calls = t.calls + calls
  t.failures = t.failures + failures
  t.slowCalls = t.slowCalls + slow
end

local function countEntries(windowKey)
  local hn = rcall('HMGET', windowKey, 'h', 'n')
  return tonumber(hn[1]) or 0, tonumber(hn[2]) or 0
end

local function parseEntry(value)
  local calls, failures, slow, replica = string.match(value, '^(%d+):(%d+):(%d+):(.*)$')
  return tonumber(calls), tonumber(failures), tonumber(slow), replica
end

local function windowAdd(windowKey, cfg, replica, calls, failures, slow, now)
  if cfg.w == 'time' then
    local idx = math.floor(now / bucketMs(cfg))
    rcall('HINCRBY', windowKey, idx .. ':c:' .. replica, calls)
    if failures > 0 then rcall('HINCRBY', windowKey, idx .. ':f:' .. replica, failures) end
    if slow > 0 then rcall('HINCRBY', windowKey, idx .. ':s:' .. replica, slow) end
    local oldest = idx - cfg.wb
    local fields = rcall('HKEYS', windowKey)
    for i = 1, #fields do
      local fidx = tonumber(string.match(fields[i], '^(%d+):'))
      if fidx and fidx <= oldest then rcall('HDEL', windowKey, fields[i]) end
    end
    rcall('PEXPIRE', windowKey, cfg.wm * 2)
    return
  end
  local head, nextSeq = countEntries(windowKey)
  rcall('HSET', windowKey, 'e:' .. nextSeq, calls .. ':' .. failures .. ':' .. slow .. ':' .. replica)
  nextSeq = nextSeq + 1
  local total = 0
  local sizes = {}
  for seq = head, nextSeq - 1 do
    local c = parseEntry(rcall('HGET', windowKey, 'e:' .. seq))
    sizes[seq] = c
    total = total + c
  end
  while nextSeq - head > 1 and total - sizes[head] >= cfg.ws do
    rcall('HDEL', windowKey, 'e:' .. head)
    total = total - sizes[head]
    head = head + 1
  end
  rcall('HSET', windowKey, 'h', head, 'n', nextSeq)
end

local function windowTotals(windowKey, cfg, now)
  local byReplica = {}
  if cfg.w == 'time' then
    local current = math.floor(now / bucketMs(cfg))
    local flat = rcall('HGETALL', windowKey)
    for i = 1, #flat, 2 do
      local idx, kind, replica = string.match(flat[i], '^(%d+):(%a):(.*)$')
      idx = tonumber(idx)
      if idx and idx > current - cfg.wb and idx <= current then
        local n = tonumber(flat[i + 1])
        if kind == 'c' then addTally(byReplica, replica, n, 0, 0)
        elseif kind == 'f' then addTally(byReplica, replica, 0, n, 0)
        else addTally(byReplica, replica, 0, 0, n) end
      end
    end
  else
    local head, nextSeq = countEntries(windowKey)
    for seq = head, nextSeq - 1 do
      local value = rcall('HGET', windowKey, 'e:' .. seq)
      if value then
        local c, f, s, replica = parseEntry(value)
        addTally(byReplica, replica, c, f, s)
      end
    end
  end
  local totals = { calls = 0, failures = 0, slowCalls = 0, badReplicas = 0, replicas = {} }
  for replica, t in pairs(byReplica) do
    if t.calls > 0 then
      totals.calls = totals.calls + t.calls
      totals.failures = totals.failures + t.failures
      totals.slowCalls = totals.slowCalls + t.slowCalls
      totals.replicas[replica] = t
      if t.failures > 0 or t.slowCalls > 0 then totals.badReplicas = totals.badReplicas + 1 end
    end
  end
  return totals
end

local function tripReason(cfg, t)
  if t.calls < cfg.m or t.calls == 0 then return nil end
  if t.badReplicas < cfg.q then return nil end
  if t.failures / t.calls >= cfg.f then return 'failure_rate' end
  if cfg.s < 1 and t.slowCalls / t.calls >= cfg.s then return 'slow_call_rate' end
  return nil
end

-- What tripped the record, or nil (absent from the JSON) when nothing did.
local function tripCauseOf(r)
  if r.tr == '' then return nil end
  return { rule = r.tr, calls = r.tc, failures = r.tf, slowCalls = r.ts }
end

-- The record fields that forget a trip (on every close).
local NO_TRIP = { tr = '', tc = 0, tf = 0, ts = 0 }

local function snapshotOf(r, windowKey, cfg, now)
  local totals = windowTotals(windowKey, cfg, now)
  return {
    state = r.st, epoch = r.ep, openUntil = r.ou, backoffStep = r.bs, probeToken = r.pt,
    probeLeaseUntil = r.pl, changedAt = r.ca, reason = r.rs, lastError = r.le, lastErrorAt = r.la,
    incarnation = r.inc, now = now, trippedBy = tripCauseOf(r),
    window = { calls = totals.calls, failures = totals.failures, slowCalls = totals.slowCalls,
      badReplicas = totals.badReplicas, replicas = totals.replicas },
  }
end

-- The record's life in Redis when the config carries an idle TTL (cfg.it ms,
-- the box option recordIdleTtlMs; absent or 0: keys are left as they are).
--   closed: expires `it` after the last change (never before two time windows),
--     renewed by every script that changes it; reads never renew it, or the
--     refresh sweep would keep every record alive;
--   open / half_open: lives until it is due (openUntil, probe lease) plus `it`;
--   forced_open with an expiry: until that expiry plus `it`;
--   forced_open until cleared, forced_closed: never expires (operator intent).
-- A writer without an idle TTL (an older replica, the CLI) never lets a record
-- that is not closed expire: it removes any TTL; a closed one it leaves alone.
local function applyIdleTtl(keys, r, cfg, now)
  local idle = tonumber(cfg.it) or 0
  if idle <= 0 then
    if r.st ~= 'closed' then
      rcall('PERSIST', keys[1])
      rcall('PERSIST', keys[3])
    end
    return
  end
  if r.st == 'closed' then
    local ttl = idle
    if cfg.w == 'time' and cfg.wm * 2 > ttl then ttl = cfg.wm * 2 end
    rcall('PEXPIRE', keys[1], ttl)
    rcall('PEXPIRE', keys[3], ttl)
    if cfg.w ~= 'time' then rcall('PEXPIRE', keys[2], ttl) end
    return
  end
  local due = 0
  if r.st == 'open' or r.st == 'half_open' then
    due = math.max(r.ou, r.pl, now)
  elseif r.st == 'forced_open' and r.ou > 0 then
    due = math.max(r.ou, now)
  end
  if due > 0 then
    rcall('PEXPIREAT', keys[1], due + idle)
    rcall('PEXPIREAT', keys[3], due + idle)
  else
    rcall('PERSIST', keys[1])
    rcall('PERSIST', keys[3])
  end
end

-- Every script's ending: save the record if it changed, read the snapshot,
-- announce the transition (events stream + channel), set the record's idle
-- TTL, and reply.
local function finish(keys, r, cfg, now, code, t, channel, name, replica)
  if t then saveRecord(keys[1], r) end
  local snap = snapshotOf(r, keys[2], cfg, now)
  if t then announce(keys[3], channel, name, replica, t, snap) end
  applyIdleTtl(keys, r, cfg, now)
  return cjson.encode({ c = code, s = snap, t = t })
end
