import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled templates/ folder; TEMPLATES_DIR replaces it. */
export const BUNDLED_TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');

export const templatesDir = (configured: string | undefined): string => configured ?? BUNDLED_TEMPLATES_DIR;
