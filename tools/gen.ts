// Writes the generated sources the type-checker needs (build/gen/vectors.ts).
import { writeVectorsModule } from "./lib/vectors";

writeVectorsModule();
