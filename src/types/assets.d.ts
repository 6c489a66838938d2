// Text imports (`with { type: 'text' }`) of embedded assets: migrations and console files.
declare module '*.sql' {
  const text: string;
  export default text;
}
