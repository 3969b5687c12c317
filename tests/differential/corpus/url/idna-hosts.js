// Hosts: IDNA to punycode, IPv4 forms, IPv6 compression.
export default {
  async fetch() {
    const h = (s) => ts(() => new URL(s).host);
    return respond({
      idn: h("https://b\u00fccher.example/"), upper: h("https://EXAMPLE.COM/"),
      ipv4: h("http://0x7f.1/"), ipv4num: h("http://2130706433/"), ipv6: h("http://[0:0:0:0:0:0:0:1]/"),
      dots: h("http://example.com./"), badIdn: h("https://xn--a.example/"),
    });
  },
};
