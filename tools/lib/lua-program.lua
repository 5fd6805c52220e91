-- Runs a NodeMCU program on the development host (lua5.1/5.3 + luasocket):
-- the board's netrt module on package.path, the program's main chunk, then
-- the event loop that NodeMCU's firmware has and a plain Lua has not.
--   lua5.3 tools/lib/lua-program.lua dist/lua53-app examples/nodemcu/hello-net.lua
local dir, program = arg[1], arg[2]
-- A board's console shows each print at once; a pipe would hold them until a buffer fills.
io.stdout:setvbuf("line")
package.path = dir .. "/?.lua;" .. package.path
dofile(program)
require("netrt").run()
