/** What the terminal chat shows in the conversation itself, in the customers' language. */
export const CHAT_TEXTS = {
  prompt: 'você> ',
  noReplyYet: '(sem resposta ainda...)',
  quitCommand: '/sair',
  defaultCustomerName: 'Cliente Teste',
  defaultOwnerName: 'Dono',
  image: '[imagem]',
  audio: '[áudio]',
} as const;
