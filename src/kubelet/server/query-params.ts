/** Go's strconv.ParseBool truths, which is how the kubelet reads `stdin=1` or `follow=true`. */
export function queryBool(query: URLSearchParams, name: string): boolean {
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(query.get(name) ?? '');
}
