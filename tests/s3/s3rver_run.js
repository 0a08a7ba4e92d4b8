#!/usr/bin/env node
// Starts s3rver (the npm package locked in the repository's package-lock.json) for
// the S3 tests. Use it through tests/s3/s3rver.sh (s3_start / s3_stop), which adds
// the flags below and the Node option s3rver needs.
//
//   node --openssl-legacy-provider tests/s3/s3rver_run.js --dir DIR
//        [--address 127.0.0.1] [--port 0] [--parent-pid PID] [--max-seconds 3600]
//        [--service-endpoint localhost] [--verbose]
//
// Prints the port it listens on as the first line of stdout (port 0 lets the kernel
// pick a free one), then serves until SIGTERM/SIGINT, until --max-seconds pass, or
// until the process --parent-pid names is gone (so a test killed with SIGKILL does
// not leave a server behind). Exit status 3: the port was taken (the caller may retry).
//
// Credentials: s3rver always knows the access key id S3RVER (secret S3RVER). When
// S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY name another pair, it is registered too.
// s3rver checks only that the key id of a SigV4 request is known; it never checks a
// SigV4 signature (tests/reference/sigv4_ref.py is the oracle for signatures).
//
// --openssl-legacy-provider is needed because s3rver encrypts ListObjectsV2
// continuation tokens with DES; without it every truncated listing answers 500.
'use strict';

const path = require('path');

function parseArgs(argv) {
  const opts = {
    dir: undefined,
    address: '127.0.0.1',
    port: 0,
    parentPid: 0,
    maxSeconds: 3600,
    serviceEndpoint: 'localhost',
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--dir': opts.dir = next(); break;
      case '--address': opts.address = next(); break;
      case '--port': opts.port = Number(next()); break;
      case '--parent-pid': opts.parentPid = Number(next()); break;
      case '--max-seconds': opts.maxSeconds = Number(next()); break;
      case '--service-endpoint': opts.serviceEndpoint = next(); break;
      case '--verbose': opts.verbose = true; break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!opts.dir) throw new Error('--dir is required');
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error('--port must be 0..65535');
  }
  return opts;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`s3rver_run: ${err.message}\n`);
    process.exit(2);
  }
  const root = process.env.FANOUT_SRC || path.resolve(__dirname, '..', '..');
  const pkgDir = path.join(root, 'node_modules', 's3rver');
  let S3rver;
  let AWSAccount;
  try {
    S3rver = require(pkgDir);
    AWSAccount = require(path.join(pkgDir, 'lib', 'models', 'account'));
  } catch (err) {
    process.stderr.write(`s3rver_run: cannot load ${pkgDir} (run 'npm ci' at the repository root): ${err.message}\n`);
    process.exit(2);
  }

  const keyId = process.env.S3_ACCESS_KEY_ID;
  const secret = process.env.S3_SECRET_ACCESS_KEY;
  if (keyId && secret && keyId !== 'S3RVER') {
    AWSAccount.DUMMY_ACCOUNT.createKeyPair(keyId, secret);
  }

  const fs = require('fs');
  fs.mkdirSync(opts.dir, { recursive: true });

  const server = new S3rver({
    address: opts.address,
    port: opts.port,
    directory: opts.dir,
    silent: !opts.verbose,
    serviceEndpoint: opts.serviceEndpoint,
  });

  let info;
  try {
    info = await server.run();
  } catch (err) {
    process.stderr.write(`s3rver_run: cannot listen on ${opts.address}:${opts.port}: ${err.message}\n`);
    process.exit(err.code === 'EADDRINUSE' ? 3 : 1);
  }
  process.stdout.write(`${info.port}\n`);

  let stopping = false;
  const stop = (why, code) => {
    if (stopping) return;
    stopping = true;
    if (why) process.stderr.write(`s3rver_run: stopping (${why})\n`);
    // Open keep-alive connections would hold close() open; do not wait for them.
    setTimeout(() => process.exit(code), 2000).unref();
    server.close().then(() => process.exit(code), () => process.exit(code));
  };
  process.on('SIGTERM', () => stop('', 0));
  process.on('SIGINT', () => stop('', 0));

  const started = Date.now();
  const watchdog = setInterval(() => {
    if (opts.parentPid > 0 && !alive(opts.parentPid)) {
      stop(`parent ${opts.parentPid} is gone`, 0);
    } else if (opts.maxSeconds > 0 && Date.now() - started > opts.maxSeconds * 1000) {
      stop(`ran for --max-seconds ${opts.maxSeconds}`, 0);
    }
  }, 500);
  watchdog.unref();
}

main();
