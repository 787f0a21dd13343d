//! The fake's TLS identity: a throwaway CA and a server certificate it signs.
//!
//! A separate CA (rather than one self-signed leaf) mirrors a real cluster's kubeconfig, whose
//! `certificate-authority-data` holds the cluster CA, not the serving certificate.

use std::sync::Arc;

use anyhow::Context as _;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

pub(crate) struct Identity {
    pub(crate) ca_pem: String,
    pub(crate) server_config: Arc<ServerConfig>,
}

impl Identity {
    pub(crate) fn generate() -> anyhow::Result<Identity> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "joelclaw-fake-kube-ca");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

        let server_key = KeyPair::generate()?;
        let mut server_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &ca)?;

        // An explicit provider: the workspace must not depend on a process-wide default one.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .context("failed to load the server certificate")?;
        // Port-forward needs an HTTP/1.1 upgrade, so never let a client negotiate h2.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];

        Ok(Identity {
            ca_pem: ca.pem(),
            server_config: Arc::new(config),
        })
    }
}
