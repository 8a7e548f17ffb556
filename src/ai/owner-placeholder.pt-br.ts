/** What the owner's placeholder agent says, until Aurora arrives. Brazilian Portuguese. */
export const ownerPlaceholderTexts = {
  intro: (shopName: string) =>
    `Olá! Sou a Aurora, a assistente da *${shopName}* para a gestão do negócio. ` +
    'Ainda estou sendo preparada: em breve poderei responder sobre agendamentos, faturamento, clientes inativos e campanhas. ' +
    'Por enquanto, use o painel ou a API para essas informações.',
} as const;
