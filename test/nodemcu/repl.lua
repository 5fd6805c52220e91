-- A NodeMCU board's UART0 console, for testing uploaders without a board:
-- run it on the Lua the board runs (lua5.1 for the ESP8266 builds, lua5.3
-- for the ESP32 ones) behind a pseudo-terminal (socat).
--
-- What it reproduces, from NodeMCU's driver/input.c and driver/uart.c:
--   * input is echoed as it arrives; CR LF and LF CR pairs count as one end
--     of line, which is echoed as a line break; backspace/DEL rub out;
--   * an empty line only gets a new prompt; a line of 256 bytes or more is
--     thrown away from the start (the input buffer is LUA_MAXINPUT bytes);
--   * on output every LF goes out as CR LF and CR is dropped;
--   * the prompt is "> ", or ">> " while a statement is unfinished; a line
--     starting with "=" prints its value.
-- Modules: the parts of file, node, uart (and, with --encoder, encoder)
-- that uploaders use, with SPIFFS's flat namespace of names up to 31 bytes
-- kept in the directory FSDIR. node.restart() reboots once the current line
-- is done: fresh globals, the banner, then init.lua as at power-up.
--
-- usage: lua repl.lua FSDIR [--encoder] [--fs-kb N]
local FS = arg[1]
if FS == nil then
  io.stderr:write("usage: lua repl.lua FSDIR [--encoder] [--fs-kb N]\n")
  os.exit(2)
end
local WITH_ENCODER = false
local FS_TOTAL = 3 * 1024 * 1024 -- a 4 MB module's SPIFFS
for i = 2, #arg do
  if arg[i] == "--encoder" then WITH_ENCODER = true end
  if arg[i] == "--fs-kb" then FS_TOTAL = tonumber(arg[i + 1]) * 1024 end
end

local LUA_MAXINPUT = 256
local RESTART = {}

local out = io.stdout
out:setvbuf("no")
local function raw(s) out:write(s) end
-- uart0_putc: LF goes out as CR LF, CR is dropped.
local function tx(s) raw((s:gsub("\r", ""):gsub("\n", "\r\n"))) end

local compile_in
if setfenv then
  compile_in = function(src, name, env)
    local f, err = loadstring(src, name)
    if f then setfenv(f, env) end
    return f, err
  end
else
  compile_in = function(src, name, env) return load(src, name, "t", env) end
end

-- SPIFFS ------------------------------------------------------------------
local function fs_path(name)
  if type(name) ~= "string" or name == "" or #name > 31 or name:find("/", 1, true) then return nil end
  return FS .. "/" .. name
end

local function fs_names()
  local names, p = {}, io.popen('ls -1 "' .. FS .. '"')
  for n in p:lines() do names[#names + 1] = n end
  p:close()
  return names
end

local function fs_size(name)
  local h = io.open(FS .. "/" .. name, "rb")
  if not h then return nil end
  local n = h:seek("end")
  h:close()
  return n
end

local current -- the file opened by file.open(), which file.read/write/close act on
local handle_mt = { __tostring = function(o) return o.id end }
local file = {}
function file.open(name, mode)
  local p = fs_path(name)
  if not p then return nil end
  local h = io.open(p, ((mode or "r"):gsub("b", "")) .. "b")
  if not h then return nil end
  if current then current.h:close() end
  current = setmetatable({ h = h, id = "file.obj: " .. tostring({}):match("0x%x+") }, handle_mt)
  return current
end
function file.write(s)
  if not current then return nil end
  return current.h:write(s) and true or nil
end
function file.writeline(s) return file.write(s .. "\n") end
function file.read(n)
  if not current then return nil end
  local s = current.h:read(type(n) == "number" and n or 1024)
  if s == nil or s == "" then return nil end
  return s
end
function file.flush() if current then current.h:flush() end end
function file.close()
  if current then current.h:close() current = nil end
end
function file.remove(name)
  local p = fs_path(name)
  if p then os.remove(p) end
end
function file.rename(a, b)
  local pa, pb = fs_path(a), fs_path(b)
  if not pa or not pb or file.exists(b) then return false end
  return os.rename(pa, pb) == true
end
function file.exists(name)
  local p = fs_path(name)
  local h = p and io.open(p, "rb")
  if h then h:close() return true end
  return false
end
function file.list()
  local t = {}
  for _, n in ipairs(fs_names()) do t[n] = fs_size(n) end
  return t
end
function file.fsinfo()
  local used = 0
  for _, n in ipairs(fs_names()) do used = used + (fs_size(n) or 0) end
  return FS_TOTAL - used, used, FS_TOTAL
end
function file.format()
  for _, n in ipairs(fs_names()) do os.remove(FS .. "/" .. n) end
end

-- node, uart, encoder ----------------------------------------------------
local restart_pending = false
local CHIP_ID, FLASH_ID = 1458415, 1458270
local node = {}
function node.info(group)
  if group == nil then return 3, 0, 0, CHIP_ID, FLASH_ID, 4096, 0, 40000000 end
  local groups = {
    hw = { chip_id = CHIP_ID, flash_id = FLASH_ID, flash_size = 4096, flash_mode = 0, flash_speed = 40000000 },
    sw_version = { git_branch = "release", git_commit_id = "0000000000000000000000000000000000000000", git_release = "3.0.0", git_commit_dts = "", node_version_major = 3, node_version_minor = 0, node_version_revision = 0 },
    build_config = { ssl = false, lfs_size = 0, modules = WITH_ENCODER and "encoder,file,node,uart" or "file,node,uart", number_type = math.type and "integer" or "float" },
  }
  return groups[group]
end
function node.chipid() return CHIP_ID end
function node.heap() return math.floor(collectgarbage("count") * 1024) end
function node.restart() restart_pending = true end
-- NodeMCU's debug-info level for what it compiles: 1 keeps it all, 2 drops
-- locals and upvalue names, 3 line numbers too. string.dump strips all or
-- nothing, and only on 5.3 (5.1's has no strip flag): 2 and 3 strip here.
local strip_level = 1
function node.stripdebug(level)
  if level == nil then return strip_level end
  if level ~= 1 and level ~= 2 and level ~= 3 then error("level must be 1, 2 or 3", 2) end
  strip_level = level
end
function node.compile(name)
  local p = fs_path(name)
  local f = p and loadfile(p)
  if not f then error("cannot compile " .. tostring(name), 0) end
  local h = io.open(fs_path((name:gsub("%.lua$", "")) .. ".lc"), "wb")
  h:write(string.dump(f, strip_level > 1))
  h:close()
end

local uart = {}
function uart.write(id, ...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    raw(type(v) == "number" and string.char(v) or tostring(v))
  end
end
function uart.setup(id, baud) return baud end
function uart.on() end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local encoder = {}
function encoder.toBase64(s)
  return ((s:gsub(".", function(c)
    local b, bits = c:byte(), ""
    for i = 8, 1, -1 do bits = bits .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(bits)
    if #bits < 6 then return "" end
    local n = 0
    for i = 1, 6 do n = n * 2 + (bits:sub(i, i) == "1" and 1 or 0) end
    return B64:sub(n + 1, n + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end
function encoder.fromBase64(s)
  s = s:gsub("[^" .. B64 .. "=]", "")
  return (s:gsub(".", function(c)
    if c == "=" then return "" end
    local n, bits = B64:find(c, 1, true) - 1, ""
    for i = 6, 1, -1 do bits = bits .. (n % 2 ^ i - n % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end):gsub("%d%d%d?%d?%d?%d?%d?%d?", function(bits)
    if #bits ~= 8 then return "" end
    local n = 0
    for i = 1, 8 do n = n * 2 + (bits:sub(i, i) == "1" and 1 or 0) end
    return string.char(n)
  end))
end

-- the interpreter ---------------------------------------------------------
local BASE = {}
for k, v in pairs(_G) do BASE[k] = v end

local env
local function fresh_env()
  local e = {}
  for k, v in pairs(BASE) do e[k] = v end
  e._G = e
  e.print = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    tx(table.concat(parts, "\t") .. "\n")
  end
  e.file, e.node, e.uart = file, node, uart
  if WITH_ENCODER then e.encoder = encoder end
  e.loadfile = function(name)
    local p = fs_path(name)
    local h = p and io.open(p, "rb")
    if not h then return nil, "cannot open " .. tostring(name) end
    local src = h:read("*a")
    h:close()
    if src:sub(1, 1) == "\27" then
      local f, err = loadstring and loadstring(src, "@" .. name) or load(src, "@" .. name, "b", e)
      if f and setfenv then setfenv(f, e) end
      return f, err
    end
    return compile_in(src, "@" .. name, e)
  end
  e.dofile = function(name)
    local f, err = e.loadfile(name)
    if not f then error(err, 0) end
    return f()
  end
  return e
end

local function report(err) tx(tostring(err) .. "\n") end

local function boot()
  current = nil
  env = fresh_env()
  tx("\nNodeMCU 3.0.0.0 on " .. _VERSION .. " (a test console)\n")
  tx("        branch: release\n        modules: " .. env.node.info("build_config").modules .. "\n")
  if file.exists("init.lua") then
    local ok, err = pcall(env.dofile, "init.lua")
    if not ok then report(err) end
  else
    tx("cannot open init.lua\n")
  end
  tx("> ")
end

local pending -- the lines of a statement still unfinished
local function run(line)
  local src = pending and (pending .. "\n" .. line) or line
  local shown = src
  if shown:sub(1, 1) == "=" then shown = "print(" .. shown:sub(2) .. ")" end
  local f, err = compile_in(shown, "=stdin", env)
  -- unfinished: Lua 5.1 says "near '<eof>'", 5.3 "near <eof>"
  if not f and err:find("<eof>'?$") then
    pending = src
    tx(">> ")
    return
  end
  pending = nil
  if not f then
    report(err)
  else
    local ok, e = pcall(f)
    if not ok then report(e) end
  end
  tx("> ")
end

boot()
local line, last = {}, nil
while true do
  local c = io.read(1)
  if c == nil then break end
  if (c == "\r" and last == "\n") or (c == "\n" and last == "\r") then
    last = nil
  elseif c == "\127" or c == "\8" then
    if #line > 0 then
      tx("\8 \8")
      line[#line] = nil
    end
    last = nil
  elseif c == "\r" or c == "\n" then
    last = c
    tx("\n")
    if #line == 0 then
      tx("> ")
    else
      local s = table.concat(line)
      line = {}
      run(s)
      if restart_pending then
        restart_pending = false
        pending = nil
        boot()
      end
    end
  else
    last = c
    tx(c)
    if #line + 1 >= LUA_MAXINPUT then line = {} end
    line[#line + 1] = c
  end
end
