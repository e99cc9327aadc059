// A real OpenID provider for the sign-on tests: panva's oidc-provider (an OpenID
// certified implementation) on loopback, configured from the JSON file named on the
// command line: issuer, port, the FaceDocket client, the signing keys, and the accounts
// (an account marked "disabled" is one the provider no longer signs in).
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  pkce: { required: () => true },
  scopes: ["openid", "profile", "groups"],
  claims: { openid: ["sub"], profile: ["name", "preferred_username"], groups: ["groups"] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account || account.disabled) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: account.name, preferred_username: id, groups: account.groups };
      },
    };
  },
});

provider.listen(config.port, "127.0.0.1", () => console.log(`ready on ${config.port}`));
