// A URL's components.
export default {
  async fetch() {
    const u = new URL("HTTPS://user:pa%20ss@EXAMPLE.com:8080/a/./b/../c%2F?q=1&r=%zz#Frag ment");
    const { href, origin, protocol, username, password, host, hostname, port, pathname, search, hash } = u;
    return respond({ href, origin, protocol, username, password, host, hostname, port, pathname, search, hash, json: u.toJSON(), str: String(u) });
  },
};
