import jsqr from "jsqr";
import { PNG } from "pngjs";
import QRCode, { type QRCodeSegment } from "qrcode";
import { RealDidError } from "../errors.js";

/**
 * A compact presentation as a QR code, in Node (the wallet and the desk page use qrcode's
 * and jsqr's browser builds themselves): byte mode, so the 261 bytes are carried as they
 * are, at error-correction level M (15% of the code may be unreadable: a phone screen's
 * glare, a crease on paper).
 */
// jsqr is CommonJS with its function also at `default`, which is where NodeNext's types find it.
const jsQR = jsqr.default;
const options = { errorCorrectionLevel: "M" } as const;
const segments = (bytes: Uint8Array): QRCodeSegment[] => [{ mode: "byte", data: bytes }];

/** The QR version (size: 17 + 4·version modules a side) the bytes need. */
export const qrVersion = (bytes: Uint8Array): number => QRCode.create(segments(bytes), options).version;

/** A PNG image of the code, 6 pixels a module, with the standard 4-module quiet zone. */
export const qrPng = async (bytes: Uint8Array): Promise<Uint8Array> => QRCode.toBuffer(segments(bytes), { ...options, type: "png", scale: 6, margin: 4 });

/** The code drawn with block characters, two rows a line, for a terminal. */
export const qrTerminal = (bytes: Uint8Array): Promise<string> => QRCode.toString(segments(bytes), { ...options, type: "terminal", small: true });

/** The bytes of the QR code in a PNG image (a screenshot or a photo works too, if sharp enough). */
export function readQrPng(png: Uint8Array, what: string): Uint8Array {
  let image: PNG;
  try {
    image = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch {
    throw new RealDidError("invalid_argument", `${what} is not a PNG image`);
  }
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height);
  if (code === null) throw new RealDidError("malformed_presentation", `${what}: no QR code found in the image`);
  return Uint8Array.from(code.binaryData);
}
