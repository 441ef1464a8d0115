// bench/spawn-cost.js: what one child_process.spawn costs a Node process as its heap grows.
// berthd spawns the C helper for every container start; libuv forks, and fork copies the page
// tables of the whole process, so the cost grows with RSS. Prints the median time to the
// 'spawn' event and to 'exit' of /bin/true, N times, with MB of extra live heap.
// Usage: node bench/spawn-cost.js [MB=0] [N=40]   (try 0 and 60: berthd idles at 70-110 MB RSS)
'use strict';
const { spawn } = require('child_process');
const mb = Number(process.argv[2] || 0), n = Number(process.argv[3] || 40);
const ballast = []; for (let i = 0; i < mb; i++) ballast.push(Buffer.alloc(1 << 20, 1), new Array(1 << 15).fill({ a: i }));
const once = () => new Promise((res) => { const t = performance.now(); let ts; const c = spawn('/bin/true', { stdio: 'ignore' }); c.on('spawn', () => (ts = performance.now() - t)); c.on('exit', () => res([ts, performance.now() - t])); });
(async () => { const a = [], b = []; for (let i = 0; i < n; i++) { const [x, y] = await once(); a.push(x); b.push(y); }
  const med = (v) => v.sort((p, q) => p - q)[v.length >> 1].toFixed(2);
  console.log(`heap+ ${mb} MB, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB: spawn event ${med(a)} ms, exit seen ${med(b)} ms`); })();
