// Vite features the fuzz suite uses to read the Worker's route wiring (vitest runs it through Vite).
declare module '*?raw' {
  const text: string;
  export default text;
}

interface ImportMeta {
  glob<T>(pattern: string, options: { eager: true }): Record<string, T>;
}
