// Conformance entry for Lua 5.1 + bit and Lua 5.3.
/// <reference path="../../hal/lua/lua-api.ts" />
import { runConformance } from "./program";

runConformance((line) => _G.print(line));
