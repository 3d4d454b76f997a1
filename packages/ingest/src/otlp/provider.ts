// Provider names as instrumentations send them (`openai.chat`, `gcp.vertex_ai`, `aws.bedrock`) in
// the plain form the pricer's catalog knows (`openai`, `google`, `aws`).
const ALIASES: Record<string, string> = {
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  'google.generative-ai': 'google',
  'google.vertex': 'google',
  vertex_ai: 'google',
  gemini: 'google',
  'aws.bedrock': 'aws',
  bedrock: 'aws',
  'az.ai.inference': 'azure',
  'az.ai.openai': 'azure',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'x_ai': 'x-ai',
  xai: 'x-ai',
};

export function normaliseProvider(raw: string | undefined): string {
  if (!raw) return '';
  const name = raw.trim().toLowerCase();
  if (ALIASES[name]) return ALIASES[name];
  // The Vercel AI SDK says `openai.chat`, `anthropic.messages`: the provider is the first part.
  const first = name.split('.')[0]!;
  return ALIASES[first] ?? first;
}
