// Benchmark-only preload of the controller process (`node --expose-gc --import <this>`): a full
// garbage collection on SIGUSR2, so the memory scenario can read the live size next to the RSS a
// lazily collecting V8 keeps (on a machine with plenty of free memory it collects late).
process.on('SIGUSR2', () => globalThis.gc?.());
