// `npm run docs`: rewrites the generated parts of the documents (the board
// sections of docs/BOARDS.md). docs/BENCHMARKS.md is written by npm run bench.
import * as fs from "node:fs";
import * as path from "node:path";
import { BOARDS_DOC, renderBoardsDoc } from "./lib/boards-doc";

fs.writeFileSync(BOARDS_DOC, renderBoardsDoc(fs.readFileSync(BOARDS_DOC, "utf8")));
console.log(`written: ${path.relative(process.cwd(), BOARDS_DOC)}`);
