/** Types for asl-validator 4 (the package ships none): `validator(definition, options)`. */
declare module "asl-validator" {
  interface ValidationResult {
    isValid: boolean;
    errors: { "Error code": string; Message: string }[];
    errorsText(separator?: string): string;
  }
  function validator(definition: object, options?: { checkPaths?: boolean; checkArn?: boolean }): ValidationResult;
  export = validator;
}
