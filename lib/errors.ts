/** An error meant for the user: printed as one line, never with a stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}

/** A located input error: `file:line[:column]: reason`. */
export interface InputProblem {
  file: string;
  line: number;
  column?: string;
  reason: string;
}

export const formatProblem = (p: InputProblem) =>
  `${p.file}:${p.line}${p.column ? ` (${p.column})` : ''}: ${p.reason}`;

export class InputRejected extends UserError {
  constructor(readonly problems: InputProblem[], summary: string) {
    super(`${summary}\n${problems.map(formatProblem).join('\n')}`, 1);
    this.name = 'InputRejected';
  }
}
