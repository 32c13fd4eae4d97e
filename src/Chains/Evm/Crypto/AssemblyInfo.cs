// The codec tests check the RFC 6979 nonce generator on the RFC's own P-256 vectors through an internal entry point.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Sharemint.Chains.Tests")]
