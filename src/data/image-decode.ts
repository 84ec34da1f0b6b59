/**
 * Decoding one image file to 8-bit interleaved pixels, with the optional resize of `DatasetOptions.imageSize`.
 *
 * Small baseline JPEGs (CIFAR-10's 32×32 files) go through msat's own decoder, which gives libjpeg-turbo's
 * bytes exactly and avoids sharp's ~1 ms fixed cost per call; everything else goes through sharp (libvips).
 * For ordinary JPEGs both give libjpeg-turbo's default decode, which is also what Pillow (and so torchvision)
 * loads. Differences from Pillow: libvips converts files with an embedded ICC profile (and CMYK files) to
 * sRGB, which Pillow does not; neither applies EXIF rotation.
 */
import { MsatError } from '../core/index.js';
import type { ResizeSpec } from './dataset.js';
import { readFileBytes } from './files.js';

/** Decoded pixels, interleaved (HWC), 8 bits per channel. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

/**
 * sharp is imported on first use: loading libvips costs ~0.2 s, which IDX and CIFAR-binary datasets and
 * commands that never touch an image file should not pay. Node caches the module after the first import.
 */
async function loadSharp(): Promise<typeof import('sharp').default> {
  return (await import('sharp')).default;
}

/** Options of `decodeImageFile`. */
export interface DecodeImageOptions {
  /** Channels wanted: 1 (gray) or 3 (RGB); see `convertChannels`. Default 3. */
  readonly channels?: 1 | 3;
  /** Resize/crop after decoding; default none. */
  readonly resize?: ResizeSpec;
}

function corrupt(file: string, e: unknown): MsatError {
  return new MsatError(
    'DATA_CORRUPT',
    `${file}: cannot decode image (${(e as Error).message.split('\n')[0]}); the file is truncated, damaged or not an image`,
    { cause: e },
  );
}

/**
 * Decodes bytes with sharp to 8-bit RGB HWC without alpha. sharp 0.35 returns even grayscale files as sRGB,
 * so the colour space is requested explicitly (3 equal channels for gray input; `convertChannels` folds them
 * back exactly). libvips fails on warnings, so a truncated file is an error, not a half-gray image.
 */
async function decodeWithSharp(bytes: Uint8Array, file: string): Promise<RawImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(bytes, { failOn: 'warning' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data };
  } catch (e) {
    throw corrupt(file, e);
  }
}

/**
 * Channels the file itself stores, alpha not counted: 1 for grayscale, else 3. Used once per dataset, on the
 * first file, to choose between a 1-channel and a 3-channel dataset.
 */
export async function probeImageChannels(file: string): Promise<1 | 3> {
  const bytes = await readFileBytes(file);
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes).metadata();
    return (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0) === 1 ? 1 : 3;
  } catch (e) {
    throw corrupt(file, e);
  }
}

/** Python's `round()` (half to even), which torchvision's `CenterCrop` uses for the crop offset. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Size after resizing and the crop window, following torchvision's `Resize(int)` and `CenterCrop`. */
export interface ResizePlan {
  readonly resizeWidth: number;
  readonly resizeHeight: number;
  readonly left: number;
  readonly top: number;
  readonly size: number;
}

/**
 * Plans a resize. Center crop: the shorter side becomes `resizeTo` and the longer `floor(resizeTo · long /
 * short)` (torchvision truncates), then the crop starts at round((side − size) / 2) with Python's rounding.
 */
export function planResize(width: number, height: number, spec: ResizeSpec): ResizePlan {
  if (spec.kind === 'stretch') return { resizeWidth: spec.size, resizeHeight: spec.size, left: 0, top: 0, size: spec.size };
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.floor((spec.resizeTo * long) / short);
  const resizeWidth = width <= height ? spec.resizeTo : newLong;
  const resizeHeight = width <= height ? newLong : spec.resizeTo;
  return {
    resizeWidth,
    resizeHeight,
    left: roundHalfEven((resizeWidth - spec.size) / 2),
    top: roundHalfEven((resizeHeight - spec.size) / 2),
    size: spec.size,
  };
}

/**
 * Resizes decoded pixels with libvips' linear (triangle) kernel, widened when shrinking, which is close to —
 * not bit-identical with — Pillow's antialiased bilinear filter that torchvision uses; then crops.
 */
async function resizeRaw(img: RawImage, spec: ResizeSpec, file: string): Promise<RawImage> {
  const plan = planResize(img.width, img.height, spec);
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(img.data, {
      raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 },
    })
      .resize(plan.resizeWidth, plan.resizeHeight, { kernel: 'linear', fit: 'fill' })
      .extract({ left: plan.left, top: plan.top, width: plan.size, height: plan.size })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data };
  } catch (e) {
    throw new MsatError('DATA_CORRUPT', `${file}: cannot resize ${img.width}×${img.height} image: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads and decodes one image file to 8-bit HWC pixels with `options.channels` channels, resized if asked. */
export async function decodeImageFile(file: string, options: DecodeImageOptions = {}): Promise<RawImage> {
  return decodeImageBytes(await readFileBytes(file), file, options);
}

/** Decodes the bytes of one image file (`file` is for messages); see `decodeImageFile`. */
export async function decodeImageBytes(bytes: Uint8Array, file: string, options: DecodeImageOptions = {}): Promise<RawImage> {
  const decoded = await decodeWithSharp(bytes, file);
  const converted = convertChannels(decoded, options.channels ?? 3, file);
  return options.resize ? resizeRaw(converted, options.resize, file) : converted;
}

/**
 * Brings an image to `channels`: gray → RGB replicates (Pillow's `convert('RGB')`); RGB → gray uses Pillow's
 * `convert('L')` integer luma, (R·19595 + G·38470 + B·7471 + 2^15) >> 16.
 */
export function convertChannels(img: RawImage, channels: number, file: string): RawImage {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const src = img.data;
  if (img.channels === 1 && channels === 3) {
    const out = new Uint8Array(n * 3);
    for (let i = 0, o = 0; i < n; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = src[i];
    return { ...img, channels: 3, data: out };
  }
  if (img.channels === 3 && channels === 1) {
    const out = new Uint8Array(n);
    for (let i = 0, s = 0; i < n; i++, s += 3) out[i] = (src[s] * 19595 + src[s + 1] * 38470 + src[s + 2] * 7471 + 0x8000) >> 16;
    return { ...img, channels: 1, data: out };
  }
  throw new MsatError('DATA_FORMAT', `${file}: image has ${img.channels} channels; msat reads grayscale and RGB images`);
}
