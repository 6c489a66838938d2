// Preloaded by bun test (bunfig.toml): tests never inherit the operator's gateway settings.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('GATEWAY_') && name !== 'GATEWAY_TEST_PG_URL') delete process.env[name];
}
for (const name of ['SQL_DSN', 'DATABASE_URL', 'SQLITE_PATH', 'PORT', 'HOST', 'NODE_NAME', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_SECONDS']) {
  delete process.env[name];
}
