// Runs the real BetterAuth (one of the pinned releases) on 127.0.0.1 for
// Gatehouse's interop tests, plus a few test-only endpoints under /__test/.
//
// Usage:
//
//	node server.mjs [CONFIG_JSON]
//
// CONFIG_JSON (or env INTEROP_CONFIG) is an object; every field is optional:
//
//	version        "1.7" (default) or "1.4"
//	port           port to listen on; 0 (default) picks a free one
//	baseURL        BetterAuth baseURL; default http://127.0.0.1:PORT
//	secret         BetterAuth secret (BETTER_AUTH_SECRET)
//	secrets        [{version, value}], newest first (1.7 only)
//	jwt            options of the jwt plugin, passed through as given:
//	               {jwks: {keyPairConfig, rotationInterval, gracePeriod,
//	               jwksPath}, jwt: {issuer, audience, expirationTime},
//	               sessionCookieCache (1.7 only)}
//	cookieCache    session.cookieCache: {enabled, strategy, maxAge}
//
// When ready it prints one JSON line on stdout:
// {"ready":true,"port":N,"version":"1.7.25","baseURL":"..."}.
// It exits on SIGTERM, SIGINT or when stdin closes.
//
// Test-only endpoints:
//
//	GET  /__test/stats                  request counts; {"jwks": N, ...}
//	POST /__test/stats/reset            zero the counts
//	POST /__test/config                 rebuild BetterAuth from a new config
//	                                    (fresh in-memory database and keys,
//	                                    counts zeroed)
//	POST /__test/mint-hs256             {secret, claims, header?} -> {token}
//	GET  /__test/verification-token?email=
//	                                    last e-mail verification token sent

import { readFile } from "node:fs/promises";
import http from "node:http";
import { SignJWT } from "jose";

const versions = {
  "1.7": "better-auth-17",
  "1.4": "better-auth-14",
};

// BetterAuth reads its settings from the environment too; the config given
// to this server is the only source of truth.
for (const name of Object.keys(process.env)) {
  if (name.startsWith("BETTER_AUTH_") || name === "AUTH_SECRET") {
    delete process.env[name];
  }
}
process.env.BETTER_AUTH_TELEMETRY = "0";

function readConfig() {
  const raw = process.argv[2] ?? process.env.INTEROP_CONFIG ?? "{}";
  const config = JSON.parse(raw);
  if (process.env.PORT && config.port === undefined) {
    config.port = Number(process.env.PORT);
  }
  return config;
}

async function loadBetterAuth(version) {
  const pkg = versions[version];
  if (!pkg) {
    throw new Error(`unknown version ${JSON.stringify(version)}`);
  }
  // The packages do not export package.json; read it from disk.
  const manifest = new URL(`node_modules/${pkg}/package.json`, import.meta.url);
  const [core, plugins, memory, node, meta] = await Promise.all([
    import(pkg),
    import(`${pkg}/plugins`),
    import(`${pkg}/adapters/memory`),
    import(`${pkg}/node`),
    readFile(manifest, "utf8").then(JSON.parse),
  ]);
  return {
    betterAuth: core.betterAuth,
    jwt: plugins.jwt,
    bearer: plugins.bearer,
    memoryAdapter: memory.memoryAdapter,
    toNodeHandler: node.toNodeHandler,
    release: meta.version,
  };
}

// build creates a BetterAuth instance with a fresh in-memory database.
async function build(config, port, mail) {
  const lib = await loadBetterAuth(config.version ?? "1.7");
  const baseURL = config.baseURL ?? `http://127.0.0.1:${port}`;
  const db = { user: [], session: [], account: [], verification: [], jwks: [] };

  const options = {
    baseURL,
    database: lib.memoryAdapter(db),
    emailAndPassword: { enabled: true, requireEmailVerification: false },
    emailVerification: {
      sendOnSignUp: true,
      sendVerificationEmail: async ({ user, token }) => {
        mail.set(user.email.toLowerCase(), token);
      },
    },
    plugins: [lib.jwt(config.jwt ?? {}), lib.bearer()],
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { level: process.env.INTEROP_LOG_LEVEL ?? "error" },
  };
  if (config.secret !== undefined) options.secret = config.secret;
  if (config.secrets !== undefined) options.secrets = config.secrets;
  if (config.cookieCache !== undefined) {
    options.session = { cookieCache: config.cookieCache };
  }

  const auth = lib.betterAuth(options);
  await auth.$context; // surface configuration errors now, not per request
  const jwksPath = basePath(baseURL) + (config.jwt?.jwks?.jwksPath ?? "/jwks");
  return {
    handler: lib.toNodeHandler(auth),
    jwksPath,
    release: lib.release,
    baseURL,
  };
}

// basePath is where BetterAuth serves its routes: a baseURL with a path
// names the whole base, replacing the default /api/auth.
function basePath(baseURL) {
  const path = new URL(baseURL).pathname.replace(/\/+$/, "");
  return path === "" ? "/api/auth" : path;
}

function sendJSON(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(data),
  });
  res.end(data);
}

async function readJSON(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : JSON.parse(text);
}

// mintHS256 signs claims the way an application that shares
// BETTER_AUTH_SECRET would: HMAC-SHA256 keyed with the secret's UTF-8 bytes.
async function mintHS256({ secret, claims = {}, header = {} }) {
  if (typeof secret !== "string" || secret === "") {
    throw new Error("secret is required");
  }
  const { exp, ...rest } = claims;
  const jwt = new SignJWT(rest).setProtectedHeader({
    typ: "JWT",
    ...header,
    alg: "HS256",
  });
  if (rest.iat === undefined) jwt.setIssuedAt();
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

async function main() {
  let config = readConfig();
  const mail = new Map();
  const stats = { jwks: 0, token: 0, getSession: 0, requests: 0 };
  let current = null;

  const testRoutes = {
    "GET /__test/stats": async (req, res) => sendJSON(res, 200, stats),
    "POST /__test/stats/reset": async (req, res) => {
      for (const key of Object.keys(stats)) stats[key] = 0;
      sendJSON(res, 200, stats);
    },
    "POST /__test/config": async (req, res) => {
      const next = await readJSON(req);
      const built = await build(next, server.address().port, mail);
      config = next;
      current = built;
      mail.clear();
      for (const key of Object.keys(stats)) stats[key] = 0;
      sendJSON(res, 200, { version: built.release, baseURL: built.baseURL });
    },
    "POST /__test/mint-hs256": async (req, res) => {
      sendJSON(res, 200, { token: await mintHS256(await readJSON(req)) });
    },
    "GET /__test/verification-token": async (req, res, url) => {
      const email = (url.searchParams.get("email") ?? "").toLowerCase();
      const token = mail.get(email);
      if (!token) return sendJSON(res, 404, { error: "no token for email" });
      sendJSON(res, 200, { token });
    },
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const route = testRoutes[`${req.method} ${url.pathname}`];
    try {
      if (route) return await route(req, res, url);
      if (!current) return sendJSON(res, 503, { error: "starting" });
      stats.requests++;
      if (url.pathname === current.jwksPath) stats.jwks++;
      if (url.pathname === "/api/auth/token") stats.token++;
      if (url.pathname === "/api/auth/get-session") stats.getSession++;
      await current.handler(req, res);
    } catch (err) {
      if (!res.headersSent) sendJSON(res, 500, { error: String(err) });
      else res.end();
    }
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(config.port ?? 0), "127.0.0.1", resolve);
  });
  const port = server.address().port;
  current = await build(config, port, mail);

  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();

  process.stdout.write(JSON.stringify({
    ready: true,
    port,
    version: current.release,
    baseURL: current.baseURL,
  }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`interop server: ${err?.stack ?? err}\n`);
  process.exit(1);
});
