import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChatUsageError, DEFAULT_CUSTOMER_PHONE, demoApiKeyPath, parseChatOptions } from './chat-options.js';

const noKeyFile = () => null;

describe('terminal chat options', () => {
  it('defaults: a customer on the demo number, the local server on PORT, the key from OXY_API_KEY', () => {
    const options = parseChatOptions([], { PORT: '4100', OXY_API_KEY: ' oxy_env ' }, noKeyFile);
    expect(options).toEqual({
      role: 'customer',
      phone: DEFAULT_CUSTOMER_PHONE,
      baseUrl: 'http://localhost:4100',
      apiKey: 'oxy_env',
      apiKeySource: 'OXY_API_KEY',
      pushName: 'Cliente Teste',
      instanceName: 'terminal-chat',
      firstReplyTimeoutMs: 20_000,
    });
  });

  it('an owner without --phone leaves the number to the server; phones become E.164', () => {
    expect(parseChatOptions(['--as', 'owner', '--key', 'k'], {}, noKeyFile)).toMatchObject({ role: 'owner', phone: null, pushName: 'Dono' });
    expect(parseChatOptions(['--phone', '(11) 98765-4321', '--key', 'k'], {}, noKeyFile)?.phone).toBe('+5511987654321');
    expect(parseChatOptions(['--phone', '+5511987654321', '--key', 'k'], {}, noKeyFile)?.phone).toBe('+5511987654321');
  });

  it('the key: --key, then OXY_API_KEY, then the demo key file under DATA_DIR (default ./data)', () => {
    const files: Record<string, string> = { [resolve('/srv/oxy/demo-api-key')]: 'oxy_file\n' };
    const readFile = (path: string) => files[path] ?? null;
    expect(parseChatOptions(['--key', 'oxy_flag'], { OXY_API_KEY: 'oxy_env' }, readFile)?.apiKey).toBe('oxy_flag');
    expect(parseChatOptions([], { OXY_API_KEY: 'oxy_env', DATA_DIR: '/srv/oxy' }, readFile)?.apiKey).toBe('oxy_env');
    expect(parseChatOptions([], { DATA_DIR: '/srv/oxy', OXY_API_KEY: '' }, readFile)).toMatchObject({
      apiKey: 'oxy_file',
      apiKeySource: resolve('/srv/oxy/demo-api-key'),
    });
    expect(demoApiKeyPath({})).toBe(resolve('data', 'demo-api-key'));
    expect(() => parseChatOptions([], {}, noKeyFile)).toThrow(/--key <key>.*OXY_API_KEY.*demo-api-key/s);
  });

  it('refuses what cannot work, saying what is expected', () => {
    const parse = (...argv: string[]) => () => parseChatOptions([...argv, '--key', 'k'], {}, noKeyFile);
    expect(parse('--as', 'admin')).toThrow(new ChatUsageError('--as admin: expected customer or owner'));
    expect(parse('--phone', 'banana')).toThrow(/--phone banana: not a phone number/);
    expect(parse('--url', 'localhost:3000')).toThrow(/--url localhost:3000: expected http/);
    expect(parse('--wait', '0')).toThrow(/--wait 0/);
    expect(parse('--instance', ' ')).toThrow(/--instance/);
    expect(parseChatOptions(['--help'], {}, noKeyFile)).toBeNull();
  });
});
