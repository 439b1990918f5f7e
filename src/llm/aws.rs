//! Shared AWS SDK configuration for the Bedrock and Athena clients: region, profile and endpoint override.

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};

use crate::config::AwsConfig;

/// Loads the AWS SDK configuration: default credential chain (or `[aws] profile`), `region` (empty = `[aws]
/// region`), and the `[aws] endpoint_url` override when set.
pub async fn sdk_config(aws: &AwsConfig, region: &str) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(pick_region(aws, region)));
    if !aws.profile.is_empty() {
        loader = loader.profile_name(&aws.profile);
    }
    if !aws.endpoint_url.is_empty() {
        loader = loader.endpoint_url(&aws.endpoint_url);
    }
    loader.load().await
}

/// Like [`sdk_config`] without awaiting: the credential chain is resolved on the first request.
pub fn sdk_config_lazy(aws: &AwsConfig, region: &str) -> SdkConfig {
    let region = Region::new(pick_region(aws, region));
    let chain = LazyDefaultChain {
        region: region.clone(),
        profile: (!aws.profile.is_empty()).then(|| aws.profile.clone()),
        chain: tokio::sync::OnceCell::new(),
    };
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(SharedCredentialsProvider::new(chain));
    if !aws.endpoint_url.is_empty() {
        builder = builder.endpoint_url(&aws.endpoint_url);
    }
    builder.build()
}

fn pick_region(aws: &AwsConfig, region: &str) -> String {
    if region.is_empty() { aws.region.clone() } else { region.to_owned() }
}

/// The default credential chain, built on first use (building it needs an async runtime).
#[derive(Debug)]
struct LazyDefaultChain {
    region: Region,
    profile: Option<String>,
    chain: tokio::sync::OnceCell<DefaultCredentialsChain>,
}

impl ProvideCredentials for LazyDefaultChain {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let chain = self
                .chain
                .get_or_init(|| async {
                    let mut builder = DefaultCredentialsChain::builder().region(self.region.clone());
                    if let Some(profile) = &self.profile {
                        builder = builder.profile_name(profile);
                    }
                    builder.build().await
                })
                .await;
            chain.provide_credentials().await
        })
    }
}
