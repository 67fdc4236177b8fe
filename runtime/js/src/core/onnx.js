/**
 * A minimal reader of the ONNX protobuf wire format, enough to check a bundle's graph without onnx:
 * graph inputs/outputs with static shapes, nodes (op, name, inputs) and initializers (name, type, dims and
 * where their raw bytes lie in the file). Mirrors `edgekd_runtime.onnx_proto` with decode=False.
 * Unknown fields are skipped as the wire format allows. Nothing in the file is executed.
 * @module
 */

export class ProtoError extends Error {}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @param {Uint8Array} buf
 * @param {number} pos
 * @returns {[number, number]} value (exact below 2^53) and the next position
 */
function varint(buf, pos) {
  let result = 0, mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtoError('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
  throw new ProtoError('varint too long');
}

/**
 * Walk one message: yields [field number, wire type, value, start offset in buf]; value is a number for
 * varint/fixed fields and a subarray for length-delimited ones.
 * @param {Uint8Array} buf
 * @returns {Generator<[number, number, any, number]>}
 */
function* fields(buf) {
  let pos = 0;
  const end = buf.length;
  while (pos < end) {
    let key;
    [key, pos] = varint(buf, pos);
    const num = Math.floor(key / 8), wt = key % 8;
    let val;
    if (wt === 0) {
      [val, pos] = varint(buf, pos);
    } else if (wt === 2) {
      let n;
      [n, pos] = varint(buf, pos);
      if (pos + n > end) throw new ProtoError(`field ${num}: length ${n} runs past the end of its message`);
      val = buf.subarray(pos, pos + n);
      pos += n;
    } else if (wt === 5) {
      if (pos + 4 > end) throw new ProtoError('message truncated');
      val = new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
      pos += 4;
    } else if (wt === 1) {
      if (pos + 8 > end) throw new ProtoError('message truncated');
      val = Number(new DataView(buf.buffer, buf.byteOffset + pos, 8).getBigUint64(0, true));
      pos += 8;
    } else {
      throw new ProtoError(`unsupported wire type ${wt} (field ${num})`);
    }
    yield [num, wt, val, pos];
  }
}

/** @param {number} v */
const signed64 = (v) => (v >= 2 ** 63 ? v - 2 ** 64 : v);

/**
 * @param {Uint8Array} b
 * @returns {string}
 */
function text(b) {
  try {
    return UTF8.decode(b);
  } catch {
    throw new ProtoError('malformed protobuf (a name is not valid UTF-8)');
  }
}

/**
 * @param {number} wt
 * @param {any} val
 * @param {number[]} out
 */
function varints(wt, val, out) {
  if (wt === 0) { out.push(val); return; }
  let pos = 0;
  while (pos < val.length) {
    let v;
    [v, pos] = varint(val, pos);
    out.push(v);
  }
}

/**
 * @param {Uint8Array} buf
 * @param {Uint8Array} file
 * @returns {import('../../index.js').OnnxTensorInfo}
 */
function tensor(buf, file) {
  /** @type {number[]} */
  const dims = [];
  let name = '', dataType = 0, location = 0;
  /** @type {[number, number] | null} */
  let raw = null;
  for (const [num, wt, val] of fields(buf)) {
    if (num === 1) varints(wt, val, dims);
    else if (num === 2) dataType = val;
    else if (num === 8) name = text(val);
    else if (num === 9) raw = [val.byteOffset - file.byteOffset, val.length];
    else if (num === 14) location = val;
  }
  if (location === 1) {
    throw new ProtoError(`initializer '${name}' keeps its data in an external file; re-export with embedded weights`);
  }
  return { name, dataType, dims: dims.map(signed64), rawOffset: raw ? raw[0] : null, rawLength: raw ? raw[1] : null };
}

/**
 * @param {Uint8Array} buf
 * @returns {import('../../index.js').OnnxValueInfo}
 */
function valueInfo(buf) {
  let name = '', elemType = 0;
  /** @type {(number | string | null)[] | null} */
  let shape = null;
  for (const [num, , val] of fields(buf)) {
    if (num === 1) name = text(val);
    else if (num === 2) {
      for (const [tnum, , tval] of fields(val)) {
        if (tnum !== 1) continue;
        for (const [snum, , sval] of fields(tval)) {
          if (snum === 1) elemType = sval;
          else if (snum === 2) {
            /** @type {(number | string | null)[]} */
            const dims = [];
            for (const [dnum, , dval] of fields(sval)) {
              if (dnum !== 1) continue;
              /** @type {number | string | null} */
              let d = null;
              for (const [xnum, , xval] of fields(dval)) {
                if (xnum === 1) d = signed64(xval);
                else if (xnum === 2) d = text(xval);
              }
              dims.push(d);
            }
            shape = dims;
          }
        }
      }
    }
  }
  return { name, elemType, shape };
}

/**
 * @param {Uint8Array} buf
 * @returns {import('../../index.js').OnnxNode}
 */
function node(buf) {
  /** @type {string[]} */
  const inputs = [];
  /** @type {string[]} */
  const outputs = [];
  let name = '', opType = '', domain = '';
  for (const [num, , val] of fields(buf)) {
    if (num === 1) inputs.push(text(val));
    else if (num === 2) outputs.push(text(val));
    else if (num === 3) name = text(val);
    else if (num === 4) opType = text(val);
    else if (num === 7) domain = text(val);
  }
  return { opType, domain, name, inputs, outputs };
}

/**
 * Parse a serialized ModelProto (graph structure only; initializer data stays in the file).
 * @param {Uint8Array} data
 * @returns {import('../../index.js').OnnxModel}
 */
export function parseModel(data) {
  let irVersion = 0, producer = '';
  /** @type {Record<string, number>} */
  const opsets = {};
  /** @type {import('../../index.js').OnnxGraph | null} */
  let graph = null;
  for (const [num, , val] of fields(data)) {
    if (num === 1) irVersion = val;
    else if (num === 2) producer = text(val);
    else if (num === 7) {
      /** @type {import('../../index.js').OnnxNode[]} */
      const nodes = [];
      /** @type {Map<string, import('../../index.js').OnnxTensorInfo>} */
      const initializers = new Map();
      /** @type {import('../../index.js').OnnxValueInfo[]} */
      const ins = [];
      /** @type {import('../../index.js').OnnxValueInfo[]} */
      const outs = [];
      let gname = '';
      for (const [gnum, , gval] of fields(val)) {
        if (gnum === 1) nodes.push(node(gval));
        else if (gnum === 2) gname = text(gval);
        else if (gnum === 5) { const t = tensor(gval, data); initializers.set(t.name, t); }
        else if (gnum === 15) throw new ProtoError('sparse initializers are not supported');
        else if (gnum === 11) ins.push(valueInfo(gval));
        else if (gnum === 12) outs.push(valueInfo(gval));
      }
      graph = { name: gname, nodes, initializers, inputs: ins.filter((v) => !initializers.has(v.name)), outputs: outs };
    } else if (num === 8) {
      let dom = '', ver = 0;
      for (const [onum, , oval] of fields(val)) {
        if (onum === 1) dom = text(oval);
        else if (onum === 2) ver = signed64(oval);
      }
      opsets[dom === '' ? 'ai.onnx' : dom] = ver;
    }
  }
  if (graph === null) throw new ProtoError('no graph in the model (is this an ONNX file?)');
  return { irVersion, opsets, producer, graph };
}
