//! The part of a symphonia [`AudioDecoder`] that is the same for every codec of this crate: the
//! parameters it reports, the buffer it decodes into, and symphonia's rule that a packet which
//! fails to decode leaves that buffer empty. A codec supplies only what differs through
//! [`Codec`] (checking the track, decoding one packet, restarting after a seek), and
//! [`Decoder<C>`] is the symphonia decoder for it.

use symphonia::core::audio::sample::Sample;
use symphonia::core::audio::{AsGenericAudioBufferRef, AudioBuffer, GenericAudioBufferRef};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::errors::Result;
use symphonia::core::packet::PacketRef;

/// What one codec contributes to its [`Decoder`].
pub trait Codec: Send + Sync + Sized + std::fmt::Debug + 'static {
    /// The sample format the codec's library produces.
    type Sample: Sample + Send + Sync;

    /// The one codec this decodes, as it is registered with symphonia.
    const SUPPORTED: &'static [SupportedAudioCodec];

    /// Checks that the track is one this codec can decode and creates the codec's state.
    fn open(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<OpenedCodec<Self>>;

    /// Decodes one packet into `buf`, which is empty when this is called. On an error the
    /// [`Decoder`] empties the buffer again, so a failed packet never leaves samples behind.
    fn decode(&mut self, packet: &PacketRef<'_>, buf: &mut AudioBuffer<Self::Sample>) -> Result<()>;

    /// Restarts the codec's state after a discontinuity, such as a seek.
    fn reset(&mut self);
}

/// A codec ready to decode, as [`Codec::open`] makes it.
pub struct OpenedCodec<C: Codec> {
    pub codec: C,
    /// The track's parameters completed with what the codec always produces (its rate, its
    /// channels): what the decoder reports to symphonia.
    pub params: AudioCodecParameters,
    /// The buffer packets are decoded into, made large enough for the largest packet so that
    /// decoding does not allocate.
    pub buf: AudioBuffer<C::Sample>,
}

impl<C: Codec> std::fmt::Debug for OpenedCodec<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedCodec").field("codec", &self.codec).finish_non_exhaustive()
    }
}

/// The symphonia decoder for one [`Codec`].
pub struct Decoder<C: Codec> {
    params: AudioCodecParameters,
    codec: C,
    buf: AudioBuffer<C::Sample>,
}

impl<C: Codec> std::fmt::Debug for Decoder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("codec", &self.codec)
            .field("rate", &self.params.sample_rate)
            .finish_non_exhaustive()
    }
}

impl<C: Codec> Decoder<C>
where
    AudioBuffer<C::Sample>: AsGenericAudioBufferRef,
{
    pub fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Self> {
        let OpenedCodec { codec, params, buf } = C::open(params, opts)?;
        Ok(Self { params, codec, buf })
    }
}

impl<C: Codec> AudioDecoder for Decoder<C>
where
    AudioBuffer<C::Sample>: AsGenericAudioBufferRef,
{
    fn reset(&mut self) {
        self.codec.reset();
    }

    fn codec_info(&self) -> &CodecInfo {
        &C::SUPPORTED[0].info
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        self.buf.clear();
        if let Err(error) = self.codec.decode(packet, &mut self.buf) {
            self.buf.clear();
            return Err(error);
        }
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

impl<C: Codec> RegisterableAudioDecoder for Decoder<C>
where
    AudioBuffer<C::Sample>: AsGenericAudioBufferRef,
{
    fn try_registry_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(Self::try_new(params, opts)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        C::SUPPORTED
    }
}
