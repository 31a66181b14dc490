/**
 * Every page of an AWS list or query call, for as long as the caller reads: one loop for NextToken,
 * nextToken and LastEvaluatedKey alike. (The SDK's own paginate* helpers insist on a concrete client class,
 * which the capabilities' narrow `Pick<Client, 'send'>` dependencies are not.)
 */
export async function* pages<Page, Token>(
  request: (token: Token | undefined) => Promise<Page>,
  nextToken: (page: Page) => Token | undefined,
): AsyncGenerator<Page> {
  let token: Token | undefined;
  do {
    const page = await request(token);
    yield page;
    token = nextToken(page);
  } while (token !== undefined);
}
