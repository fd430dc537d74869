import t from 'tap';
import { ByteBudget } from '../../src/api/byte-budget.js';

t.test('a lane waits for room and goes when bytes are released', async (t) => {
  const b = new ByteBudget(100);
  const order: string[] = [];
  await b.acquire(60);
  const second = b.acquire(60).then(() => order.push('second'));
  await Promise.resolve();
  t.same(order, [], 'the second job waits while 60 of 100 bytes are held');
  order.push('release');
  b.release(60);
  await second;
  t.same(order, ['release', 'second'], 'it goes once the first released');
});

t.test('one job larger than the budget still runs alone, never with another', async (t) => {
  const b = new ByteBudget(10);
  await b.acquire(50);
  let small = false;
  const p = b.acquire(1).then(() => { small = true; });
  await Promise.resolve();
  t.equal(small, false, 'nothing joins an oversized job');
  b.release(50);
  await p;
  t.equal(small, true);
});

t.test('waiters go in order (no overtaking by a smaller job)', async (t) => {
  const b = new ByteBudget(100);
  await b.acquire(90);
  const order: number[] = [];
  const a = b.acquire(50).then(() => order.push(50));
  const c = b.acquire(5).then(() => order.push(5));
  b.release(90);
  await Promise.all([a, c]);
  t.same(order, [50, 5]);
});
