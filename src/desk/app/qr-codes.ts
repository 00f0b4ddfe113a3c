// QR codes in a browser page, for the desk and the wallet: drawn with `qrcode` (byte mode,
// error correction M) and read with jsQR from an image file or from camera frames. jsQR's
// binaryData is the code's bytes as they were encoded (a realdid-qr/1 payload is binary).
import jsQRModule from "jsqr";
import QRCode from "qrcode";
import { RealDidError } from "../../errors.js";

// jsqr is CommonJS: its function is the module itself, which TypeScript types as the module.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** Draws `data` (text, or bytes in byte mode) as a QR code at error-correction level M. */
export async function drawQr(canvas: HTMLCanvasElement, data: string | Uint8Array): Promise<void> {
  const segments = typeof data === "string" ? data : [{ data, mode: "byte" as const }];
  await QRCode.toCanvas(canvas, segments as never, { errorCorrectionLevel: "M", margin: 4, scale: 4 });
}

const imagePixels = (source: CanvasImageSource, width: number, height: number): ImageData => {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  context.drawImage(source, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
};

const decode = (pixels: ImageData): Uint8Array | undefined => {
  const found = jsQR(pixels.data, pixels.width, pixels.height);
  return found === null ? undefined : Uint8Array.from(found.binaryData);
};

/** The bytes of the QR code in an image file (a photo or a screenshot). */
export async function readQrFromFile(file: File): Promise<Uint8Array> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new RealDidError("invalid_argument", `the file ${file.name} is not an image this browser can read`);
  }
  const bytes = decode(imagePixels(bitmap, bitmap.width, bitmap.height));
  bitmap.close();
  if (bytes === undefined) throw new RealDidError("invalid_argument", `no QR code was found in ${file.name}: take the picture again, closer and straight on`);
  return bytes;
}

/** Reads camera frames until one holds a QR code; stop() ends it (and turns the camera off). */
export class QrCamera {
  private stream: MediaStream | undefined;
  private running = false;

  constructor(private readonly video: HTMLVideoElement) {}

  async start(onFound: (bytes: Uint8Array) => void): Promise<void> {
    if (navigator.mediaDevices?.getUserMedia === undefined) throw new RealDidError("invalid_argument", "this browser gives no camera to this page (it needs https or localhost): choose a picture of the code instead");
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      throw new RealDidError("invalid_argument", `the camera could not be opened (${(error as Error).message}): choose a picture of the code instead`);
    }
    this.video.srcObject = this.stream;
    this.video.hidden = false;
    await this.video.play();
    this.running = true;
    const frame = () => {
      if (!this.running) return;
      if (this.video.videoWidth > 0) {
        const bytes = decode(imagePixels(this.video, this.video.videoWidth, this.video.videoHeight));
        if (bytes !== undefined) {
          this.stop();
          return onFound(bytes);
        }
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  stop(): void {
    this.running = false;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = undefined;
    this.video.hidden = true;
  }
}
