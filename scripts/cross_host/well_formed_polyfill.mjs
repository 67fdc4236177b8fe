// Diagnosis only (scripts/cross-host.sh): String.prototype.toWellFormed (ES2024, Node >= 20) for Node 18, to
// show whether it is the only thing Node 18 lacks for the JS runtime: `node --import ./well_formed_polyfill.mjs`.
if (!String.prototype.toWellFormed) {
  // eslint-disable-next-line no-extend-native
  String.prototype.toWellFormed = function toWellFormed() {
    return String(this).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  };
}
