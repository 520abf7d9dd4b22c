/**
 * `npm run build`: bundles the controller (controller/main.ts and everything it imports, including
 * the constructs it synthesizes at runtime) into one file, `dist/controller.js`, runnable with
 * `node dist/controller.js` on Node 24 without node_modules.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['controller/main.ts'],
  outfile: process.env.SEI_BUILD_OUTFILE ?? 'dist/controller.js',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: true,
  minifySyntax: true,
  legalComments: 'linked',
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'info',
});
