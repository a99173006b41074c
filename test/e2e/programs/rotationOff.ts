// Insecure: the project's own key component with automatic rotation turned off.
import { KmsKey } from "../../../components/kmsKey";

export default async function program(): Promise<void> {
    new KmsKey("rotation-off", {
        alias: "alias/rotation-off",
        description: "A key that never rotates",
        integratedService: "rds",
        administrators: ["role/KmsKeyAdministrator"],
        users: ["role/AuroraProvisioner"],
        enableKeyRotation: false,
        protect: false,
        retainOnDelete: false,
    });
}
