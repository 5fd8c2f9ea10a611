--[[
  Shared by every breakerbox script: the Redis clock, the record (state hash),
  the legal-transition table, backoff, and the snapshot / publish helpers.

  Record fields (state hash): st state, ep epoch, ou openUntil, bs backoffStep,
  pt probeToken, pl probeLeaseUntil, ca changedAt, rs reason, le lastError,
  la lastErrorAt, inc incarnation (set once when the record is created),
  cfg the config (JSON) the breaker's replicas last recorded with, so that
  readers without the breaker's options (the CLI) sum the window the same way.
]]
local rcall = redis.call

-- Redis TIME in whole milliseconds: the one clock of the shared state.
local function nowMs()
  local t = rcall('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function loadRecord(stateKey)
  local flat = rcall('HGETALL', stateKey)
  local r = { st = 'closed', ep = 0, ou = 0, bs = 0, pt = '', pl = 0, ca = 0, rs = '', le = '', la = 0, inc = '', cfg = '' }
  for i = 1, #flat, 2 do
    local field, value = flat[i], flat[i + 1]
    if field == 'st' or field == 'pt' or field == 'rs' or field == 'le' or field == 'inc' or field == 'cfg' then
      r[field] = value
    else
      r[field] = tonumber(value)
    end
  end
  r.exists = #flat > 0
  return r
end

local function saveRecord(stateKey, r)
  rcall('HSET', stateKey, 'st', r.st, 'ep', r.ep, 'ou', r.ou, 'bs', r.bs, 'pt', r.pt, 'pl', r.pl,
    'ca', r.ca, 'rs', r.rs, 'le', r.le, 'la', r.la, 'inc', r.inc)
end

-- Creates the record on first use, stamping it with an incarnation id so that
-- replicas can tell a record rebuilt after a Redis restart from the old one.
local function ensureRecord(stateKey, r, incarnation)
  if not r.exists then
    r.inc = incarnation
    saveRecord(stateKey, r)
    r.exists = true
  end
end

local LEGAL = {
  closed = { open = true, forced_open = true, forced_closed = true },
  open = { half_open = true, closed = true, forced_open = true, forced_closed = true },
  half_open = { closed = true, open = true, half_open = true, forced_open = true, forced_closed = true },
  forced_open = { half_open = true, closed = true, forced_open = true, forced_closed = true },
  forced_closed = { closed = true, forced_open = true },
}

-- Applies a transition to the record in memory; the caller saves and announces it.
-- Returns the transition, or nil and raises for an illegal one.
local function transition(r, to, reason, now, changes)
  local from = r.st
  if not LEGAL[from] or not LEGAL[from][to] then
    return nil
  end
  for k, v in pairs(changes) do r[k] = v end
  r.st = to
  r.ep = r.ep + 1
  r.ca = now
  r.rs = reason
  return { from = from, to = to, reason = reason, epoch = r.ep, at = now, openUntil = r.ou }
end

-- min(maxMs, baseMs * multiplier^step) by repeated multiplication (bit-for-bit
-- the same as the engine's), jittered by +-jitter, capped, whole ms.
local function openDuration(cfg, step, random)
  local delay = cfg.bb
  local i = 0
  while i < step and delay < cfg.bx do
    delay = delay * cfg.bm
    i = i + 1
  end
  if delay > cfg.bx then delay = cfg.bx end
  local jittered = delay * (1 + cfg.bj * (2 * random - 1))
  return math.floor(math.min(cfg.bx, math.max(0, jittered)))
end

local function announce(eventsKey, channel, name, replica, t, snapshot)
  rcall('XADD', eventsKey, 'MAXLEN', '~', 1000, '*', 'from', t.from, 'to', t.to, 'reason', t.reason,
    'epoch', t.epoch, 'at', t.at, 'openUntil', t.openUntil, 'replica', replica)
  rcall('PUBLISH', channel, cjson.encode({ n = name, r = replica, t = t, s = snapshot }))
end
