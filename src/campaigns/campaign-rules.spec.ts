import { describe, expect, it } from 'vitest';
import { campaignProblems, personalizeCampaignText, recipientSkipReason, unknownPlaceholders } from './campaign-rules.js';

const now = new Date('2026-11-26T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3600 * 1000);

describe('recipientSkipReason', () => {
  it('skips an opted-out contact even when the shop allows messages outside the window', () => {
    expect(recipientSkipReason({ optedOutAt: hoursAgo(100), lastMessageAt: hoursAgo(1) }, now, true)).toBe('opted_out');
    expect(recipientSkipReason({ optedOutAt: hoursAgo(100), lastMessageAt: hoursAgo(1) }, now, false)).toBe('opted_out');
  });

  it("skips a contact whose last message is older than 24 hours, or who never wrote, unless the shop allows it", () => {
    expect(recipientSkipReason({ optedOutAt: null, lastMessageAt: hoursAgo(23.9) }, now, false)).toBeNull();
    expect(recipientSkipReason({ optedOutAt: null, lastMessageAt: hoursAgo(24) }, now, false)).toBeNull();
    expect(recipientSkipReason({ optedOutAt: null, lastMessageAt: hoursAgo(24.1) }, now, false)).toBe('outside_window');
    expect(recipientSkipReason({ optedOutAt: null, lastMessageAt: null }, now, false)).toBe('outside_window');
    expect(recipientSkipReason({ optedOutAt: null, lastMessageAt: hoursAgo(24 * 90) }, now, true)).toBeNull();
    expect(recipientSkipReason({ optedOutAt: null, lastMessageAt: null }, now, true)).toBeNull();
  });
});

describe('campaignProblems', () => {
  const valid = { objective: 'Reativar clientes', audience: { kind: 'inactive' as const, days: 30 }, text: 'Oi!' };

  it('accepts a complete campaign for every contact or for those inactive 30+ days', () => {
    expect(campaignProblems(valid)).toEqual([]);
    expect(campaignProblems({ ...valid, audience: { kind: 'all' } })).toEqual([]);
  });

  it('names each problem: too few days, empty text, an unknown audience', () => {
    expect(campaignProblems({ ...valid, audience: { kind: 'inactive', days: 29 } })).toEqual([
      'audience.days must be a whole number of days from 30 to 3650',
    ]);
    expect(campaignProblems({ ...valid, text: '   ', objective: '' })).toEqual(['objective must not be empty', 'text must not be empty']);
    expect(campaignProblems({ ...valid, audience: { kind: 'vip' } as never })).toEqual(["audience.kind must be 'all' or 'inactive'"]);
    expect(campaignProblems({ ...valid, text: 'x'.repeat(4097) })).toEqual(['text must be at most 4096 characters']);
  });
});

describe('personalizeCampaignText', () => {
  const rex = { name: 'Maria da Silva', petNames: ['Rex'] };

  it('fills the first name and the only pet, however the placeholder is spelled', () => {
    expect(personalizeCampaignText('Oi, {nome}! Saudade do {pet}.', rex)).toBe('Oi, Maria! Saudade do Rex.');
    expect(personalizeCampaignText('{{ Nome }}, o {nome_do_pet} merece um banho', rex)).toBe('Maria, o Rex merece um banho');
    expect(personalizeCampaignText('Sem marcadores.', rex)).toBe('Sem marcadores.');
    expect(personalizeCampaignText('Olá, [Nome do Cliente]! O [nome do pet] está com saudade?', rex)).toBe('Olá, Maria! O Rex está com saudade?');
    expect(personalizeCampaignText('Olá, [Nome]! Promoção [válida até sexta].', { name: null, petNames: [] })).toBe('Olá! Promoção [válida até sexta].');
  });

  it('says "seu pet" for none or several pets', () => {
    expect(personalizeCampaignText('Traga {pet}!', { name: 'Ana', petNames: [] })).toBe('Traga seu pet!');
    expect(personalizeCampaignText('Traga {pet}!', { name: 'Ana', petNames: ['Rex', 'Mia'] })).toBe('Traga seu pet!');
  });

  it('leaves no placeholder and no dangling comma when the name is unknown or has no letters', () => {
    for (const name of [null, '🐶', '  ']) {
      expect(personalizeCampaignText('Oi, {nome}! Tudo bem?', { name, petNames: [] })).toBe('Oi! Tudo bem?');
      expect(personalizeCampaignText('Olá {nome}, tudo bem?', { name, petNames: [] })).toBe('Olá, tudo bem?');
      expect(personalizeCampaignText('{nome}, sentimos sua falta!\n{Nome}: volte logo', { name, petNames: [] })).toBe('Sentimos sua falta!\nVolte logo');
    }
  });
});

describe('unknownPlaceholders', () => {
  it('names what no recipient can fill, and only that', () => {
    expect(unknownPlaceholders('Oi {nome}, use {cupom} ou {{ codigo }} para {pet}')).toEqual(['{cupom}', '{{ codigo }}']);
    expect(unknownPlaceholders('Oi {Nome} {nome do cliente} {nome_do_pet} [Nome] [válida até sexta]')).toEqual([]);
    expect(campaignProblems({ objective: 'x', audience: { kind: 'all' }, text: 'Use {cupom}' })).toEqual([
      "text has placeholders no recipient can fill: {cupom}; use {nome} (the customer's first name) or {pet} (their pet's name), or write the text without them",
    ]);
  });
});
