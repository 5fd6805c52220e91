// A portability finding: what was used, where, and why it cannot ship.
export interface Finding {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.message}`).join("\n");
}

export class PortabilityError extends Error {
  constructor(
    public readonly target: string,
    public readonly findings: Finding[],
  ) {
    super(`not portable to ${target}:\n${formatFindings(findings)}`);
  }
}
