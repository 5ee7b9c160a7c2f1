import { CommandResult, CommandRunner, RunOptions } from './platform';

/** Test double: records every command and answers from a callback (default: success). */
export class RecordingRunner implements CommandRunner {
  readonly calls: string[][] = [];

  constructor(private readonly answer: (argv: string[]) => Partial<CommandResult> = () => ({})) {}

  async run(argv: readonly string[], _options?: RunOptions): Promise<CommandResult> {
    this.calls.push([...argv]);
    return { code: 0, stdout: '', stderr: '', ...this.answer([...argv]) };
  }

  commands(): string[] {
    return this.calls.map((c) => c.join(' '));
  }
}
