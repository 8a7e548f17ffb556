import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/app-config.js';

// No Docker engine runs here, so the deploy files are checked against the configuration instead.
const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const known = new Set(Object.keys(CONFIG_VARIABLES));
const requiredInProduction = Object.entries(CONFIG_VARIABLES)
  .filter(([, spec]) => spec.requiredInProduction)
  .map(([name]) => name);

interface RenderBlueprint {
  services: {
    healthCheckPath: string;
    disk: { mountPath: string };
    envVars: { key: string; value?: string }[];
  }[];
}

function envExample(): Map<string, string> {
  const entries = read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]);
  return new Map(entries);
}

describe('deploy files agree with the configuration', () => {
  const render = parse(read('render.yaml')) as RenderBlueprint;
  const web = render.services[0];
  const renderVariables = web.envVars.map((variable) => variable.key);
  const compose = parse(read('docker-compose.yml')) as { services: { app: { environment: Record<string, string> } } };

  it.each([
    ['render.yaml', () => renderVariables],
    ['docker-compose.yml', () => Object.keys(compose.services.app.environment)],
    ['.env.example', () => [...envExample().keys()]],
  ])('%s names only variables the configuration knows', (_file, variables) => {
    const unknown = variables().filter((name) => !known.has(name));
    expect(unknown, `unknown variables: ${unknown.join(', ')}`).toEqual([]);
  });

  it('.env.example lists every variable', () => {
    const missing = [...known].filter((name) => !envExample().has(name));
    expect(missing, `missing from .env.example: ${missing.join(', ')}`).toEqual([]);
  });

  it('render.yaml sets every variable required in production, and every one the seed names', () => {
    const seed = ['SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'REDIS_URL', 'OPENAI_API_KEY', 'WHATSAPP_SESSION_PATH', 'ENCRYPTION_KEY'];
    const missing = [...requiredInProduction, ...seed].filter((name) => !renderVariables.includes(name));
    expect(missing, `missing from render.yaml: ${missing.join(', ')}`).toEqual([]);
    expect(renderVariables.some((name) => name === 'SUPABASE_JWT_SECRET' || name === 'JWT_SECRET')).toBe(true);
  });

  it('render.yaml keeps sessions on the persistent disk and probes /health', () => {
    expect(web.disk.mountPath).toBe('/app/data');
    const sessionPath = web.envVars.find((variable) => variable.key === 'WHATSAPP_SESSION_PATH')?.value ?? '';
    expect(sessionPath.startsWith(`${web.disk.mountPath}/`)).toBe(true);
    expect(web.healthCheckPath).toBe('/health');
  });

  it('the Dockerfile runs the built server as a non-root user, with a health check and a data volume', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:22[\w.-]* AS build$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/health/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/app\/data"\]$/m);
    expect(dockerfile).toMatch(/^COPY .*supabase \.\/supabase$/m);
  });

  it('the defaults in .env.example pass validation', () => {
    const filled = Object.fromEntries([...envExample()].filter(([, value]) => value !== ''));
    expect(() => loadConfig(filled)).not.toThrow();
  });
});
