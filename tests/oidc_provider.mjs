// A real OpenID provider for the single sign-on tests (the `oidc-provider` npm package).
//
//   node tests/oidc_provider.mjs CONFIG_JSON
//
// CONFIG_JSON: {"port": 5601, "clients": [{"client_id", "client_secret", "redirect_uris"}],
//               "accounts": {"<login>": {"email", "email_verified", "name"}}}
// Its development sign-in form (devInteractions) takes any password: the login typed names
// the account. Prints "ready <issuer>" on stdout once it listens on 127.0.0.1.
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['partner-academy-test-provider'] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
