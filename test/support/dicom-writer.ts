import { writeFileSync } from 'node:fs';

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

export interface DicomFixture {
  syntax: string;
  rows: number;
  columns: number;
  frames?: number;
  samples?: 1 | 3;
  bitsAllocated: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  slope?: number;
  intercept?: number;
  /** Stored values, frame after frame (two's complement for signed ones). */
  values: ArrayLike<number>;
}

/**
 * A small DICOM Part 10 writer for reader fixtures: the file meta group (always explicit VR little
 * endian, as the standard says), then the image pixel module in the chosen transfer syntax. With a
 * compressed syntax the pixel data is written encapsulated (one fragment of the raw bytes).
 */
export function writeTestDicom(path: string, fixture: DicomFixture): void {
  const explicit = fixture.syntax !== IMPLICIT_LE;
  const bigEndian = fixture.syntax === EXPLICIT_BE;
  const encapsulated = ![IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE].includes(fixture.syntax);
  const samples = fixture.samples ?? 1;
  const bits = fixture.bitsAllocated;
  const text = (value: string, pad: string) => {
    const bytes = new TextEncoder().encode(value.length % 2 === 0 ? value : value + pad);
    return bytes;
  };
  const us = (value: number, be: boolean) => {
    const b = new DataView(new ArrayBuffer(2));
    b.setUint16(0, value, !be);
    return new Uint8Array(b.buffer);
  };
  const element = (group: number, elementNumber: number, vr: string, value: Uint8Array, isExplicit: boolean, be: boolean, undefinedLength = false): Uint8Array => {
    const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
    const headerLength = !isExplicit ? 8 : long ? 12 : 8;
    const out = new DataView(new ArrayBuffer(headerLength + value.length));
    out.setUint16(0, group, !be);
    out.setUint16(2, elementNumber, !be);
    const length = undefinedLength ? 0xffffffff : value.length;
    if (!isExplicit) out.setUint32(4, length, !be);
    else {
      out.setUint8(4, vr.charCodeAt(0));
      out.setUint8(5, vr.charCodeAt(1));
      if (long) out.setUint32(8, length, !be);
      else out.setUint16(6, length, !be);
    }
    const bytes = new Uint8Array(out.buffer);
    bytes.set(value, headerLength);
    return bytes;
  };
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const metaBody = concat([
    element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1]), true, false),
    element(0x0002, 0x0002, 'UI', text('1.2.840.10008.5.1.4.1.1.7', '\0'), true, false),
    element(0x0002, 0x0003, 'UI', text('1.2.3.4.5.6.7', '\0'), true, false),
    element(0x0002, 0x0010, 'UI', text(fixture.syntax, '\0'), true, false),
  ]);
  const groupLength = new DataView(new ArrayBuffer(4));
  groupLength.setUint32(0, metaBody.length, true);
  const meta = concat([element(0x0002, 0x0000, 'UL', new Uint8Array(groupLength.buffer), true, false), metaBody]);
  const pixelBytes = new DataView(new ArrayBuffer(fixture.values.length * (bits / 8)));
  for (let i = 0; i < fixture.values.length; i++) {
    if (bits === 8) pixelBytes.setUint8(i, fixture.values[i]! & 0xff);
    else pixelBytes.setUint16(i * 2, fixture.values[i]! & 0xffff, !bigEndian);
  }
  const e = (group: number, el: number, vr: string, value: Uint8Array) => element(group, el, vr, value, explicit, bigEndian);
  const dataset = [
    e(0x0008, 0x0016, 'UI', text('1.2.840.10008.5.1.4.1.1.7', '\0')),
    e(0x0028, 0x0002, 'US', us(samples, bigEndian)),
    e(0x0028, 0x0004, 'CS', text(samples === 3 ? 'RGB' : 'MONOCHROME2', ' ')),
    ...(samples === 3 ? [e(0x0028, 0x0006, 'US', us(0, bigEndian))] : []),
    ...(fixture.frames !== undefined ? [e(0x0028, 0x0008, 'IS', text(String(fixture.frames), ' '))] : []),
    e(0x0028, 0x0010, 'US', us(fixture.rows, bigEndian)),
    e(0x0028, 0x0011, 'US', us(fixture.columns, bigEndian)),
    e(0x0028, 0x0100, 'US', us(bits, bigEndian)),
    e(0x0028, 0x0101, 'US', us(fixture.bitsStored ?? bits, bigEndian)),
    e(0x0028, 0x0102, 'US', us((fixture.bitsStored ?? bits) - 1, bigEndian)),
    e(0x0028, 0x0103, 'US', us(fixture.signed ? 1 : 0, bigEndian)),
    ...(fixture.intercept !== undefined ? [e(0x0028, 0x1052, 'DS', text(String(fixture.intercept), ' '))] : []),
    ...(fixture.slope !== undefined ? [e(0x0028, 0x1053, 'DS', text(String(fixture.slope), ' '))] : []),
  ];
  let pixels: Uint8Array;
  const raw = new Uint8Array(pixelBytes.buffer);
  if (encapsulated) {
    const item = (data: Uint8Array, tag = 0xe000) => {
      const out = new DataView(new ArrayBuffer(8 + data.length));
      out.setUint16(0, 0xfffe, true);
      out.setUint16(2, tag, true);
      out.setUint32(4, data.length, true);
      new Uint8Array(out.buffer).set(data, 8);
      return new Uint8Array(out.buffer);
    };
    const fragment = raw.length % 2 === 0 ? raw : concat([raw, new Uint8Array(1)]);
    pixels = concat([element(0x7fe0, 0x0010, 'OB', new Uint8Array(0), true, false, true), item(new Uint8Array(0)), item(fragment), item(new Uint8Array(0), 0xe0dd)]);
  } else {
    pixels = e(0x7fe0, 0x0010, bits === 8 ? 'OB' : 'OW', raw.length % 2 === 0 ? raw : concat([raw, new Uint8Array(1)]));
  }
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode('DICM'), 128);
  writeFileSync(path, concat([preamble, meta, ...dataset, pixels]));
}
