import t from 'tap';
import { PassThrough } from 'node:stream';
import { progressBar } from '../../src/cli/progress-bar.js';

function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (c: Buffer) => { out += c.toString(); });
  Object.assign(s, { isTTY, columns: 80 });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

t.test('the bar appears on a terminal once the work has run for a second, not before', async (t) => {
  let clock = 0;
  const term = terminal(true);
  const bar = progressBar('encrypt [{bar}] {value}/{total} MB', true, { stream: term.stream, now: () => clock });
  bar.update(3, 300);
  clock = 900;
  bar.update(40, 300);
  t.equal(term.text(), '', 'nothing in the first second');
  clock = 1200;
  bar.update(120, 300);
  bar.stop();
  t.match(term.text(), /120\/300 MB/, 'then the bar, with the progress so far');
});

t.test('no bar when stderr is not a terminal, or with --quiet/--json (disabled)', async (t) => {
  for (const [tty, enabled] of [[false, true], [true, false]] as const) {
    let clock = 0;
    const term = terminal(tty);
    const bar = progressBar('x {value}/{total}', enabled, { stream: term.stream, now: () => clock });
    clock = 5000;
    bar.update(1, 2);
    bar.stop();
    t.equal(term.text(), '', `tty ${tty}, enabled ${enabled}: silent`);
  }
});
