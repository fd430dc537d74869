import t from 'tap';
import { MediaError, reviveError, SegcryptError } from '../src/errors.js';

t.test('typed errors survive serialization across a worker boundary', async (t) => {
  const e = new MediaError('ERR_BOX_TRUNCATED', 'moov/trak truncated at offset 12', { where: 'moov/trak@12' });
  const back = reviveError(structuredClone(e.toJSON()));
  t.ok(back instanceof MediaError);
  t.ok(back instanceof SegcryptError);
  t.equal((back as SegcryptError).code, 'ERR_BOX_TRUNCATED');
  t.equal((back as SegcryptError).category, 'input');
  t.equal(back.message, e.message);
});
