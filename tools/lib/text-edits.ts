// Edits to source text at parser positions (acorn's), for the passes that
// rewrite the ES5 artifact in place: applied from the end so earlier
// positions stay valid; at one position a removal goes before an insertion.

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function applyEdits(code: string, edits: TextEdit[]): string {
  let out = code;
  for (const e of [...edits].sort((x, y) => y.start - x.start || y.end - x.end))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
