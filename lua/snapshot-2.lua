--[[
  snapshot: reads the record and the window's sums (read-only).

  Input:
    KEYS[1] state hash, KEYS[2] window hash
    ARGV[1] config (JSON)
    ARGV[2] optional: 'stored' to sum the window with the config the breaker's
            replicas last recorded with (the record's cfg), when it has one;
            ARGV[1] is used otherwise (readers without the breaker's options:
            the dashboard, the CLI)

  Output: JSON { c = 0, s = snapshot, k = 1 when the stored config was used, else 0 }
          (a missing record reads as closed, epoch 0, incarnation '')
]]
--- @include "includes/common"
--- @include "includes/window"

local now = nowMs()
local r = loadRecord(KEYS[1])
local cfgJson, stored = ARGV[1], 0
if ARGV[2] == 'stored' and r.cfg ~= '' then
  cfgJson, stored = r.cfg, 1
end
local cfg = cjson.decode(cfgJson)
return cjson.encode({ c = 0, s = snapshotOf(r, KEYS[2], cfg, now), k = stored })
