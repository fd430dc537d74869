/**
 * Runs an external oracle (ffmpeg, ffprobe, Shaka Packager) with execFile: no shell, a
 * timeout, bounded output. Shared by the oracle wrappers in this folder.
 */
import { execFile } from 'node:child_process';
import { createReadStream, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The checkout, also when this module runs from the compiled mirror `.test-build/` (scripts/build-tests.mjs),
 * whose package.json is a symlink to the checkout's: what a test copies or packs is the real tree. */
export const REPO_ROOT = path.dirname(realpathSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json')));
export const SAMPLES = path.join(REPO_ROOT, 'samples');
export const SHAKA_PACKAGER = path.join(REPO_ROOT, 'node_modules', 'shaka-packager', 'bin', 'packager-linux-x64');

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Thrown when a tool exits non-zero (or times out) and the caller asked for strict mode. */
export class OracleToolError extends Error {
  readonly exitCode: number;
  readonly stderr: string;
  constructor(tool: string, args: readonly string[], result: ToolResult, what = `exited ${result.exitCode}`) {
    const tail = result.stderr.trim().split('\n').slice(-6).join('\n');
    super(`${path.basename(tool)} ${what} (args: ${redact(args).join(' ')})\n${tail}`);
    this.name = 'OracleToolError';
    this.exitCode = result.exitCode;
    this.stderr = result.stderr;
  }
}

/** Keys must not end up in test logs: hide the value after key-bearing flags. */
function redact(args: readonly string[]): string[] {
  return args.map((a, i) => {
    const prev = args[i - 1];
    if (prev === '-decryption_key' || prev === '--keys' || prev === '-K' || prev === '-encryption_key') return '<redacted>';
    return a;
  });
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  /**
   * Resolve with the exit code instead of rejecting on a non-zero exit (negative tests: a wrong key
   * may make a decoder fail). A tool that cannot be started still rejects, lenient or not.
   */
  lenient?: boolean;
  /** Stream this file to the tool's stdin (the tool then sees a non-seekable input). */
  stdinFile?: string;
}

export function runTool(tool: string, args: readonly string[], options: RunOptions = {}): Promise<ToolResult> {
  const { timeoutMs = 60_000, cwd, lenient = false, stdinFile } = options;
  return new Promise((resolve, reject) => {
    const child = execFile(tool, [...args], { timeout: timeoutMs, cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        let exitCode = 0;
        if (error) {
          const code = (error as NodeJS.ErrnoException & { code?: unknown }).code;
          if (typeof code === 'string') { // ENOENT etc.: the tool is missing
            reject(new Error(`oracle ${path.basename(tool)} failed to run (${code}): a missing oracle fails the test, it never passes it`));
            return;
          }
          exitCode = typeof code === 'number' ? code : 124; // killed by timeout
        }
        const result = { exitCode, stdout, stderr };
        // 126/127: a wrapper (`nice`, `env`) could not run the tool: it is missing, never a verdict.
        if (exitCode === 126 || exitCode === 127) reject(new OracleToolError(tool, args, result, 'could not be started'));
        else if (exitCode !== 0 && !lenient) reject(new OracleToolError(tool, args, result));
        else resolve(result);
      });
    if (stdinFile !== undefined && child.stdin) {
      // A tool that stops reading early (decode error) closes the pipe: not our failure.
      child.stdin.on('error', () => {});
      const input = createReadStream(stdinFile);
      input.on('error', (e) => { child.kill(); reject(e); });
      input.pipe(child.stdin);
    } else {
      child.stdin?.end();
    }
  });
}
