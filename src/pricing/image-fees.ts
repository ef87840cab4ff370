// What OpenAI's Responses `image_generation` tool is charged per image_generation_call: the image
// model's price per image, where the request names the model and the image's quality and size are
// known, else a bound on the dearest image the tool can make (tool-fees.ts charges either per call).

type Json = Record<string, unknown>;

/**
 * USD per image by model, quality and long edge (1024: 1024x1024; 1536: 1024x1536 or 1536x1024,
 * which cost the same), as OpenAI's pricing page lists them under "Image generation", prices per
 * image (platform.openai.com/docs/pricing, its late-2025 copy; seen 2026-12-07). `image_generation`
 * is the bound, charged per call when the price cannot be told: 25,000 image output tokens at
 * gpt-image-2's $30 per million, its image output rate — more than the largest image it makes at
 * high quality, 2880x2880 (the most pixels, 8,294,400, in a square, which costs the most tokens):
 * 23,719 tokens by the formula behind OpenAI's cost calculator as OpenAI's developer forum
 * transcribed it (which gives the calculator's own 7,024 at 1024x1024 and 12,329 at 3584x2048,
 * high; community.openai.com, seen 2026-12-07), with room for partial images. The image model's
 * input (the prompt it is given, images it edits) is not charged: the answer tells neither.
 */
export const IMAGE_FEES = {
  gpt_image_1_low_1024: 0.011,
  gpt_image_1_low_1536: 0.016,
  gpt_image_1_medium_1024: 0.042,
  gpt_image_1_medium_1536: 0.063,
  gpt_image_1_high_1024: 0.167,
  gpt_image_1_high_1536: 0.25,
  gpt_image_1_mini_low_1024: 0.005,
  gpt_image_1_mini_low_1536: 0.006,
  gpt_image_1_mini_medium_1024: 0.011,
  gpt_image_1_mini_medium_1536: 0.015,
  gpt_image_1_mini_high_1024: 0.036,
  gpt_image_1_mini_high_1536: 0.052,
  image_generation: 0.75,
} as const;
export type ImageFee = keyof typeof IMAGE_FEES;

/** The image output tokens `image_generation` is bounded by above: what /v1/images/generations reserves per image. */
export const IMAGE_OUTPUT_TOKENS_BOUND = 25_000;

/** The models whose prices the table holds, by the name a tool's `model` gives them. */
const PRICED_MODELS = { 'gpt-image-1': 'gpt_image_1', 'gpt-image-1-mini': 'gpt_image_1_mini' } as const;
const QUALITIES = ['low', 'medium', 'high'] as const;
/** A size's long edge, as the table names its column. */
const LONG_EDGES: Record<string, '1024' | '1536'> = {
  '1024x1024': '1024',
  '1024x1536': '1536',
  '1536x1024': '1536',
};

/**
 * What one call of the `image_generation` tool `tool` costs: the image's own price when the tool
 * names a priced model (gpt-image-1 or its mini; no model is OpenAI's own choice, which may be a
 * dearer one) and asks for no partial images (each costs more image tokens, which the table does
 * not price). The quality and size are the call's (`item`, an image_generation_call whose answer
 * says which it made), else the tool's; one neither says, or `auto`, is the dearest that model
 * makes. Anything else is charged the bound.
 */
export function imageFee(tool: Json | undefined, item: Json = {}): ImageFee {
  const named = tool?.model;
  const model =
    typeof named === 'string' && Object.hasOwn(PRICED_MODELS, named)
      ? PRICED_MODELS[named as keyof typeof PRICED_MODELS]
      : undefined;
  // No partial images is 0 or unset; anything else may be some.
  if (!model || (tool?.partial_images != null && tool.partial_images !== 0)) return 'image_generation';
  const quality = known(QUALITIES, item.quality) ?? known(QUALITIES, tool?.quality) ?? 'high';
  const edge = edgeOf(item.size) ?? edgeOf(tool?.size) ?? '1536';
  return `${model}_${quality}_${edge}`;
}

function known<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return values.find((v) => v === value);
}

function edgeOf(size: unknown): '1024' | '1536' | undefined {
  return typeof size === 'string' && Object.hasOwn(LONG_EDGES, size) ? LONG_EDGES[size] : undefined;
}
