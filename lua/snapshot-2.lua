--[[
  snapshot: reads the record and the window's sums (read-only).

  Input:
    KEYS[1] state hash, KEYS[2] window hash
    ARGV[1] config (JSON)

  Output: JSON { c = 0, s = snapshot } (a missing record reads as closed, epoch 0, incarnation '')
]]
--- @include "includes/common"
--- @include "includes/window"

local cfg = cjson.decode(ARGV[1])
local now = nowMs()
local r = loadRecord(KEYS[1])
return cjson.encode({ c = 0, s = snapshotOf(r, KEYS[2], cfg, now) })
